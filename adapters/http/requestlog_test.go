package http

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Split(strings.TrimSpace(s.b.String()), "\n")
}

// Every format request is logged once, with a request id the client also
// receives and the repository, format and plugin that served it; errors too.
func TestDispatchedRequestLoggedOnce(t *testing.T) {
	var buf syncBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })

	ctx := context.Background()
	repos, rt := dispatchtest.NewRepos(), dispatchtest.NewRuntime()
	d := dispatch.New(dispatch.Deps{Repos: repos, Files: dispatchtest.NewFiles(repos), Blobs: dispatchtest.NewBlobs(),
		Runtime: rt, Authz: dispatchtest.Authz{}}, dispatch.Config{}) // logs to the buffer too
	info := ports.FormatInfo{Key: "demo", Version: "1.0.0", ContractVersion: ports.ContractVersion, Mounts: []ports.Mount{{Prefix: "/demo/"}}}
	if _, err := rt.Load(ctx, "demo", dispatchtest.Module(info), ports.PluginLimits{}); err != nil {
		t.Fatal(err)
	}
	rt.SetHandler("demo", func(context.Context, ports.FormatRequest, ports.HostCall) (ports.FormatResponse, error) {
		return ports.FormatResponse{Status: 200, Body: []byte("hi")}, nil
	})
	d.SetRoutes([]dispatch.Route{{Prefix: "/demo/", PluginID: "demo", Format: "demo"}})
	if err := repos.CreateRepository(ctx, &ports.Repository{Key: "pub", Format: "demo", Type: ports.RepoLocal, IsPublic: true}); err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.Use(requestLog)
	r.NoRoute(DispatchHandler(d))

	for _, c := range []struct {
		path         string
		status       int
		repo, plugin string
	}{
		{"/demo/pub/x", 200, "pub", "demo"},
		{"/demo/nope/x", 401, "", "demo"},
		{"/elsewhere", 404, "", ""},
	} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, c.path, nil))
		id := w.Header().Get("X-Request-Id")
		if w.Code != c.status || id == "" {
			t.Fatalf("%s: status %d, X-Request-Id %q", c.path, w.Code, id)
		}
		var found []map[string]any
		for _, l := range buf.lines() {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["path"] == c.path {
				found = append(found, m)
			}
		}
		if len(found) != 1 {
			t.Fatalf("%s: %d log lines, want 1: %v", c.path, len(found), found)
		}
		m := found[0]
		if m["msg"] != "request" || m["id"] != id || m["status"] != float64(c.status) ||
			c.plugin != "" && (m["repo"] != c.repo || m["plugin"] != c.plugin || m["format"] != "demo") {
			t.Fatalf("%s: log line %v", c.path, m)
		}
	}
}
