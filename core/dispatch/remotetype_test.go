package dispatch_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

// pageFormats rewrites mutable documents (all but .whl and .bin files)
// by replacing the upstream base, and records the paths it was given.
type pageFormats struct {
	mu    sync.Mutex
	paths []string
}

func (*pageFormats) Classify(_ context.Context, _, _, p string) (ports.CacheClass, error) {
	if strings.HasSuffix(p, ".whl") || strings.HasSuffix(p, ".bin") {
		return ports.CacheImmutable, nil
	}
	return ports.CacheMutable, nil
}
func (f *pageFormats) Rewrite(_ context.Context, _, _, p string, b []byte, up, local string) (ports.Document, error) {
	f.mu.Lock()
	f.paths = append(f.paths, p)
	f.mu.Unlock()
	return ports.Document{Body: bytes.ReplaceAll(b, []byte(up), []byte(local))}, nil
}
func (*pageFormats) Rewrites(string) bool { return true }

// TestRemoteDocumentTypes (gap b): a metadata document that went through
// the format's rewrite is served with the type its upstream gave it (pip
// needs text/html), as an attachment with nosniff; a stored HTML file that
// is no such document keeps the upload rule (application/octet-stream).
// Gap a: the trailing-slash page is cached and served, and a request
// without the slash follows the upstream's redirect, the rewrite seeing
// the path the upstream answered from.
func TestRemoteDocumentTypes(t *testing.T) {
	e := newEnv(t)
	var up *httptest.Server
	up = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/simple/demo":
			http.Redirect(w, r, "/simple/demo/", http.StatusMovedPermanently)
		case "/simple/demo/", "/page.bin":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(`<a href="` + up.URL + `/packages/demo-1.0.whl">demo-1.0.whl</a>`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(up.Close)
	fmts := &pageFormats{}
	repo := ports.Repository{Key: "pyprox", Format: "demo", Type: ports.RepoRemote, IsPublic: true, UpstreamURL: up.URL}
	if err := e.repos.CreateRepository(context.Background(), &repo); err != nil {
		t.Fatal(err)
	}
	e.d.UseRemote(remote.New(remote.Deps{Files: e.files, Blobs: e.blobs, Formats: fmts, Clock: e.clock,
		Upstream: upstream.New(egress.Policy{AllowPrivateNetworks: true}, upstream.Options{})}, remote.Options{TTL: time.Minute}))

	for _, p := range []string{"/demo/pyprox/simple/demo/", "/demo/pyprox/simple/demo/", "/demo/pyprox/simple/demo"} {
		rec := e.do(&admin, http.MethodGet, p, nil)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" ||
			rec.Header().Get("Content-Disposition") != "attachment" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("GET %s: %d %v", p, rec.Code, rec.Header())
		}
		if !strings.Contains(rec.Body.String(), `/demo/pyprox/packages/demo-1.0.whl"`) || strings.Contains(rec.Body.String(), up.URL) {
			t.Fatalf("GET %s: links not rewritten: %s", p, rec.Body.String())
		}
	}
	fmts.mu.Lock()
	for _, p := range fmts.paths {
		if p != "/simple/demo/" {
			t.Errorf("rewrite saw %q, want the path the upstream answered from", p)
		}
	}
	fmts.mu.Unlock()
	if rec := e.do(&admin, http.MethodGet, "/demo/pyprox/page.bin", nil); rec.Code != 200 ||
		rec.Header().Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("a stored HTML file: %d %v", rec.Code, rec.Header())
	}
}
