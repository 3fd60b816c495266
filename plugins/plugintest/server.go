package plugintest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// ServerBaseURL is the external URL of a Server.
const ServerBaseURL = "http://keeper.test"

// Server is the host's dispatcher over in-memory stores with one plugin
// mounted (its first mount, repository Repo), run natively or through a
// FormatRuntime, counting the plugin calls: what a request costs the
// server, the host's fast path included. The response cache is off, so a
// read the fast path does not answer calls the plugin (as the first read
// after any write does).
type Server struct {
	t      testing.TB
	D      *dispatch.Dispatcher
	Repos  *dispatchtest.Repos
	Files  *dispatchtest.Files
	Repo   ports.Repository
	Prefix string
	calls  atomic.Int64
}

// countingRuntime counts the Handle calls of a FormatRuntime.
type countingRuntime struct {
	ports.FormatRuntime
	calls *atomic.Int64
}

func (r countingRuntime) Handle(ctx context.Context, id string, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
	r.calls.Add(1)
	return r.FormatRuntime.Handle(ctx, id, req, h)
}

// NewServer serves p natively when rt is nil, else through rt (which has
// it loaded under its format key), with a public local repository key.
func NewServer(t testing.TB, p sdk.Plugin, rt ports.FormatRuntime, key string) *Server {
	t.Helper()
	ctx := context.Background()
	info := p.Describe()
	s := &Server{t: t, Repos: dispatchtest.NewRepos(), Prefix: info.Mounts[0].Prefix}
	s.Files = dispatchtest.NewFiles(s.Repos)
	if rt == nil {
		fake := dispatchtest.NewRuntime()
		mod := dispatchtest.Module(ports.FormatInfo{Key: info.Key, DisplayName: info.DisplayName, Version: info.Version,
			ContractVersion: ports.ContractVersion, Mounts: []ports.Mount{{Prefix: s.Prefix}}})
		if _, err := fake.Load(ctx, info.Key, mod, ports.PluginLimits{}); err != nil {
			t.Fatal(err)
		}
		fake.SetHandler(info.Key, func(_ context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
			resp, err := NativeHandle(p, h, req)
			if err != nil {
				// The plugin's own failure, answered as the wasm runtime answers it.
				pe := sdk.AsError(err)
				b, _ := json.Marshal(map[string]string{"error": pe.Message})
				return ports.FormatResponse{Status: pe.Status, Body: b, Headers: []ports.Header{{Name: "Content-Type", Value: "application/json"}}},
					&wasm.PluginError{Status: pe.Status, Message: pe.Message}
			}
			return resp, nil
		})
		rt = fake
	}
	s.D = dispatch.New(dispatch.Deps{Repos: s.Repos, Files: s.Files, Blobs: dispatchtest.NewBlobs(),
		Runtime: countingRuntime{rt, &s.calls}, Authz: dispatchtest.Authz{}},
		dispatch.Config{MaxBodyBytes: 64 << 20, BaseURL: ServerBaseURL, CacheEntries: -1})
	s.D.SetRoutes([]dispatch.Route{{Prefix: s.Prefix, PluginID: info.Key, Format: info.Key}})
	s.Repo = ports.Repository{Key: key, Format: info.Key, Type: ports.RepoLocal, IsPublic: true}
	if err := s.Repos.CreateRepository(ctx, &s.Repo); err != nil {
		t.Fatal(err)
	}
	return s
}

// Calls is the number of plugin calls made so far.
func (s *Server) Calls() int64 { return s.calls.Load() }

// Answer is a served response with its body read.
type Answer struct {
	Status  int
	Headers map[string]string
	Body    []byte
	// Stored is true when the host streamed a stored file or blob.
	Stored bool
}

// Do serves method target (a path under the repository, with an optional
// query) as who (alice when nil); hdr are header name, value pairs. An
// error of the host (an unauthenticated caller, a refused download) is
// answered with its status, as the transport would.
func (s *Server) Do(who *ports.Subject, method, target string, body []byte, hdr ...string) Answer {
	s.t.Helper()
	p, q, _ := strings.Cut(target, "?")
	req := &dispatch.Request{Method: method, EscapedPath: s.Prefix + s.Repo.Key + p, RawQuery: q,
		Header: map[string][]string{}, BaseURL: ServerBaseURL}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header[hdr[i]] = []string{hdr[i+1]}
	}
	if body != nil {
		req.Body = bytes.NewReader(body)
	}
	subject := ports.Subject{UserID: 1, Username: "alice"}
	if who != nil {
		subject = *who
	}
	resp, err := s.D.Serve(auth.WithSubject(context.Background(), subject), req)
	var de *dispatch.Error
	switch {
	case errors.As(err, &de) && errors.Is(err, dispatch.ErrUnauthenticated):
		return Answer{Status: 401, Body: []byte(de.Message)}
	case errors.As(err, &de) && errors.Is(err, dispatch.ErrForbidden):
		return Answer{Status: 403, Body: []byte(de.Message)}
	case errors.As(err, &de) && errors.Is(err, ports.ErrNotFound):
		return Answer{Status: 404, Body: []byte(de.Message)}
	case errors.As(err, &de) && de.Status >= 400:
		return Answer{Status: de.Status, Body: []byte(de.Message)}
	case err != nil:
		s.t.Fatalf("%s %s: %v", method, target, err)
	}
	a := Answer{Status: resp.Status, Headers: map[string]string{}, Body: resp.Body}
	for _, h := range resp.Headers {
		a.Headers[h.Name] = h.Value
	}
	if st := resp.Stored; st != nil {
		a.Stored = true
		a.Headers["Content-Type"] = st.ContentType
		b, err := io.ReadAll(st.Content)
		st.Content.Close()
		if err != nil {
			s.t.Fatal(err)
		}
		if method != "HEAD" {
			a.Body = b
		}
	}
	return a
}
