package dispatch_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/core/repository"
	"github.com/keeper-registry/keeper/ports"
)

// refHandler extends the demo plugin: GET /-/ref/<tag> resolves the tag in
// kv "tags" to a stored file "<value>.txt" and answers "serve that file"
// (cacheable, with a header of its own), as a registry answers a manifest by
// tag; PUT with X-Meta stores the body with that metadata.
func (e *env) refHandler() func(context.Context, ports.FormatRequest, ports.HostCall) (ports.FormatResponse, error) {
	return func(ctx context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
		p := strings.TrimPrefix(req.Path, "/")
		switch {
		case req.Repo != nil && (req.Method == http.MethodGet || req.Method == http.MethodHead) && strings.HasPrefix(p, "-/ref/"):
			v, err := h.GetKV(ctx, "tags", strings.TrimPrefix(p, "-/ref/"))
			if err != nil {
				return ports.FormatResponse{Status: 404, Body: []byte("no such tag")}, nil
			}
			return ports.FormatResponse{Status: 200, ServePath: string(v) + ".txt", CacheTTL: time.Minute,
				Headers: []ports.Header{{Name: "X-Ref", Value: string(v)}}}, nil
		case req.Method == http.MethodPut && headerOf(req, "X-Meta") != "":
			err := h.StageFile(ports.StagedFile{Path: p, BlobDigest: req.Body.Digest, ContentType: "text/plain",
				Metadata: []byte(headerOf(req, "X-Meta")), Overwrite: true})
			if err != nil {
				return ports.FormatResponse{}, err
			}
			return ports.FormatResponse{Status: http.StatusCreated}, nil
		}
		return e.handle(ctx, req, h)
	}
}

func sha256Tag(b string) string {
	s := sha256.Sum256([]byte(b))
	return `"` + hex.EncodeToString(s[:]) + `"`
}

// A document the plugin answers by reference (a stored file, as a manifest
// by tag) is served from the host's cache while the repository is
// unchanged: no plugin call, the plugin's headers, the content's ETag,
// 304 on If-None-Match for GET and HEAD.
func TestCachedReferenceAnswersWithoutPlugin(t *testing.T) {
	e := newEnv(t)
	e.rt.SetHandler("demo", e.refHandler())
	wantStatus(t, e.do(&admin, http.MethodPost, "/demo/pub/-/gen", []byte("x")), http.StatusCreated)
	etag := sha256Tag("generated")
	base := e.rt.Calls.Load()
	calls := func() int64 { return e.rt.Calls.Load() - base }

	for i := range 3 {
		w := e.do(nil, http.MethodGet, "/demo/pub/-/ref/latest", nil)
		wantStatus(t, w, 200)
		if w.Body.String() != "generated" || w.Header().Get("X-Ref") != "gen" || w.Header().Get("ETag") != etag {
			t.Fatalf("GET %d: body %q, headers %v", i, w.Body.String(), w.Header())
		}
		if got := w.Header().Values("X-Ref"); len(got) != 1 {
			t.Fatalf("GET %d: X-Ref %q, want one", i, got)
		}
	}
	if calls() != 1 {
		t.Fatalf("plugin called %d times for three identical GETs, want 1", calls())
	}
	t.Run("If-None-Match", func(t *testing.T) {
		w := e.do(nil, http.MethodGet, "/demo/pub/-/ref/latest", nil, "If-None-Match", etag)
		wantStatus(t, w, http.StatusNotModified)
		if w.Body.Len() != 0 {
			t.Fatal("304 with a body")
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		for range 2 {
			w := e.do(nil, http.MethodHead, "/demo/pub/-/ref/latest", nil)
			wantStatus(t, w, 200)
			if w.Body.Len() != 0 || w.Header().Get("Content-Length") != "9" || w.Header().Get("ETag") != etag {
				t.Fatalf("HEAD: %d body bytes, headers %v", w.Body.Len(), w.Header())
			}
		}
		wantStatus(t, e.do(nil, http.MethodHead, "/demo/pub/-/ref/latest", nil, "If-None-Match", etag), http.StatusNotModified)
	})
	if calls() != 2 { // the first HEAD
		t.Fatalf("plugin calls = %d, want 2", calls())
	}

	t.Run("a write invalidates", func(t *testing.T) {
		wantStatus(t, e.do(&admin, http.MethodPut, "/demo/pub/gen.txt", []byte("regenerated"), "X-Overwrite", "1"), http.StatusCreated)
		before := calls()
		w := e.do(nil, http.MethodGet, "/demo/pub/-/ref/latest", nil)
		wantStatus(t, w, 200)
		if w.Body.String() != "regenerated" || calls() != before+1 {
			t.Fatalf("after a write: body %q, %d plugin calls", w.Body.String(), calls()-before)
		}
		wantStatus(t, e.do(nil, http.MethodGet, "/demo/pub/-/ref/latest", nil, "If-None-Match", etag), 200)
	})
}

// Two replicas, each with the repository cache the server puts in front of
// the database (an hour's TTL), share the stores and a notifier: a write
// through one is seen by the other's next GET, which reaches the plugin
// again (the repository generation is part of the response cache's key and
// the write's notice drops the cached repository row).
func TestCachedReferenceAcrossReplicas(t *testing.T) {
	e := newEnv(t)
	e.rt.SetHandler("demo", e.refHandler())
	bus := &busNotifier{}
	replica := func() *dispatch.Dispatcher {
		c := repository.NewCache(e.repos, e.files, e.clock, time.Hour, 100)
		c.Listen(bus)
		d := dispatch.New(dispatch.Deps{Repos: c, Files: c, Blobs: e.blobs, Runtime: e.rt,
			Authz: dispatchtest.Authz{}, Clock: e.clock}, dispatch.Config{BaseURL: "http://keeper.test"})
		d.SetRoutes(e.d.Table().Routes())
		return d
	}
	a, b := replica(), replica()

	wantStatus(t, serveWith(a, &admin, http.MethodPost, "/demo/pub/-/gen", []byte("x")), http.StatusCreated)
	for _, d := range []*dispatch.Dispatcher{a, b, a, b} {
		if w := serveWith(d, nil, http.MethodGet, "/demo/pub/-/ref/latest", nil); w.Body.String() != "generated" {
			t.Fatalf("body %q", w.Body.String())
		}
	}
	base := e.rt.Calls.Load()
	wantStatus(t, serveWith(b, &admin, http.MethodPut, "/demo/pub/gen.txt", []byte("from the other replica"), "X-Overwrite", "1"), http.StatusCreated)
	base++ // the PUT
	if w := serveWith(a, nil, http.MethodGet, "/demo/pub/-/ref/latest", nil); w.Body.String() != "from the other replica" {
		t.Fatalf("stale answer %q after the other replica's write", w.Body.String())
	}
	if got := e.rt.Calls.Load() - base; got != 1 {
		t.Fatalf("the first GET after another replica's write made %d plugin calls, want 1", got)
	}
}

// busNotifier delivers synchronously to every subscriber.
type busNotifier struct {
	mu   sync.Mutex
	subs map[string][]func(string)
}

func (n *busNotifier) Publish(_ context.Context, topic, payload string) error {
	n.mu.Lock()
	fns := append([]func(string){}, n.subs[topic]...)
	n.mu.Unlock()
	for _, fn := range fns {
		fn(payload)
	}
	return nil
}

func (n *busNotifier) Subscribe(topic string, fn func(string)) func() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.subs == nil {
		n.subs = map[string][]func(string){}
	}
	n.subs[topic] = append(n.subs[topic], fn)
	return func() {}
}

// Headers a plugin recorded with a stored file ("served_headers" in its
// metadata) are replayed by the fast path, without a plugin call; headers
// the host owns and malformed ones are not taken.
func TestFastPathReplaysRecordedHeaders(t *testing.T) {
	e := newEnv(t)
	e.rt.SetHandler("demo", e.refHandler())
	meta := `{"served_headers":[["X-Content-Digest","sha256:abc"],["Content-Type","text/html"],["Set-Cookie","a=b"],` +
		`["X-Bad","a\r\nInjected: 1"],["Bad Name","x"],["ETag","\"forged\""]],"other":1}`
	wantStatus(t, e.do(&admin, http.MethodPut, "/demo/pub/blobs/one", []byte("blob bytes"), "X-Meta", meta), http.StatusCreated)
	base := e.rt.Calls.Load()
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		w := e.do(nil, m, "/demo/pub/blobs/one", nil)
		wantStatus(t, w, 200)
		h := w.Header()
		if h.Get("X-Content-Digest") != "sha256:abc" {
			t.Fatalf("%s: recorded header missing: %v", m, h)
		}
		if h.Get("Content-Type") != "text/plain" || h.Get("Set-Cookie") != "" || h.Get("Injected") != "" ||
			h.Get("X-Bad") != "" || h.Get("ETag") != sha256Tag("blob bytes") || len(h) > 7 {
			t.Fatalf("%s: host-owned or malformed recorded headers were served: %v", m, h)
		}
	}
	if e.rt.Calls.Load() != base {
		t.Fatal("the fast path called the plugin")
	}
	// Metadata that is not such an object changes nothing.
	wantStatus(t, e.do(&admin, http.MethodPut, "/demo/pub/blobs/two", []byte("b2"), "X-Meta", `["served_headers"]`), http.StatusCreated)
	if w := e.do(nil, http.MethodGet, "/demo/pub/blobs/two", nil); w.Code != 200 || w.Body.String() != "b2" {
		t.Fatalf("GET: %d %q", w.Code, w.Body.String())
	}
}

// serveWith serves one request through d as subject s.
func serveWith(d *dispatch.Dispatcher, s *ports.Subject, method, target string, body []byte, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	if s != nil {
		r = r.WithContext(auth.WithSubject(r.Context(), *s))
	}
	w := httptest.NewRecorder()
	httpapi.DispatchHTTP(d).ServeHTTP(w, r)
	return w
}

// An inline document the host caches answers HEAD like GET (ETag, length,
// no body) and 304 to HEAD and GET with a matching If-None-Match.
func TestCachedInlineDocumentHEADAndConditional(t *testing.T) {
	e := newEnv(t)
	e.rt.SetHandler("demo", func(ctx context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
		if req.Method == http.MethodHead {
			req.Method = http.MethodGet // the plugin answers HEAD as GET; the host sends no body
		}
		return e.handle(ctx, req, h)
	})
	wantStatus(t, e.do(&admin, http.MethodPut, "/demo/pub/a.txt", []byte("a")), http.StatusCreated)
	etag := sha256Tag("a.txt")
	for _, m := range []string{http.MethodHead, http.MethodHead, http.MethodGet} {
		w := e.do(nil, m, "/demo/pub/-/index", nil)
		wantStatus(t, w, 200)
		if w.Header().Get("ETag") != etag || w.Header().Get("Content-Length") != "5" || (m == http.MethodHead) != (w.Body.Len() == 0) {
			t.Fatalf("%s: %d body bytes, headers %v", m, w.Body.Len(), w.Header())
		}
	}
	base := e.rt.Calls.Load()
	for _, m := range []string{http.MethodHead, http.MethodGet} {
		w := e.do(nil, m, "/demo/pub/-/index", nil, "If-None-Match", `W/"x", `+etag)
		wantStatus(t, w, http.StatusNotModified)
		if w.Body.Len() != 0 {
			t.Fatalf("%s: 304 with a body", m)
		}
	}
	if e.rt.Calls.Load() != base {
		t.Fatal("a conditional request for a cached document called the plugin")
	}
}
