package remote_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/core/remote"
)

// TestNegotiatedDocumentsCachedPerAccept: an upstream that answers by the
// client's Accept (Vary: Accept) gets each client's Accept, and each
// representation is cached apart: a client without Accept never receives
// the representation another client negotiated, and none is fetched twice.
func TestNegotiatedDocumentsCachedPerAccept(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Vary", "Accept")
		if r.Header.Get("Accept") == "application/json" {
			_, _ = io.WriteString(w, `{"json":true}`)
			return
		}
		_, _ = io.WriteString(w, "<html>")
	}))
	defer srv.Close()
	e := newEnv(t, srv.URL, "generic", upstream.Options{})
	get := func(accept, want string) {
		t.Helper()
		res, err := e.svc.Get(context.Background(), remote.Request{Repo: e.repo, PluginID: "p", Path: "/simple/pkg/",
			LocalBase: "http://keeper.test/pypi/proxy", Accept: accept}, nil)
		if err != nil {
			t.Fatal(err)
		}
		rc, _, err := e.blobs.Open(context.Background(), res.File.BlobDigest)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		_ = rc.Close()
		if string(b) != want {
			t.Fatalf("Accept %q got %q, want %q", accept, b, want)
		}
	}
	get("application/json", `{"json":true}`)
	get("", "<html>")
	get("text/html", "<html>")
	get("application/json", `{"json":true}`)
	get("", "<html>")
	if n := hits.Load(); n != 3 {
		t.Fatalf("upstream asked %d times, want 3 (one per distinct Accept)", n)
	}
}

// TestInvalidatingANegotiatedPathDropsItsVariants: invalidating the path
// removes every representation cached for it.
func TestInvalidatingANegotiatedPathDropsItsVariants(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Accept")
		_, _ = io.WriteString(w, "doc for "+r.Header.Get("Accept"))
	}))
	defer srv.Close()
	e := newEnv(t, srv.URL, "generic", upstream.Options{})
	for _, a := range []string{"a", "b", "c"} {
		if _, err := e.svc.Get(context.Background(), remote.Request{Repo: e.repo, PluginID: "p", Path: "/doc", Accept: a}, nil); err != nil {
			t.Fatal(err)
		}
	}
	n, err := e.svc.Invalidate(context.Background(), e.repo.ID, "/doc", false)
	if err != nil || n != 3 {
		t.Fatalf("invalidated %d (%v), want the copy and its 2 variants", n, err)
	}
}

// TestStoredCopyKeepsTheUpstreamETag: a file served as the upstream sent it
// carries the upstream's strong ETag (clients such as bundler check its
// form); a weak or malformed one is not passed on.
func TestStoredCopyKeepsTheUpstreamETag(t *testing.T) {
	etag := `"5d41402abc4b2a76b9719d911017c592"`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/weak" {
			w.Header().Set("ETag", `W/"x"`)
		} else {
			w.Header().Set("ETag", etag)
		}
		_, _ = io.WriteString(w, "hello")
	}))
	defer srv.Close()
	e := newEnv(t, srv.URL, "generic", upstream.Options{})
	for path, want := range map[string]string{"/info/hello": etag, "/weak": ""} {
		for range 2 { // fetched, then from the cache
			res, err := e.svc.Get(context.Background(), remote.Request{Repo: e.repo, PluginID: "p", Path: path}, nil)
			if err != nil || res.UpstreamETag != want {
				t.Fatalf("%s: ETag %q (%v), want %q", path, res.UpstreamETag, err, want)
			}
		}
	}
}

// TestWarmHitsAskThePluginOnce: a path's class is remembered, so warm hits
// make no plugin call; after classTTL the plugin is asked again.
func TestWarmHitsAskThePluginOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "x") }))
	defer srv.Close()
	e := newEnv(t, srv.URL, "generic", upstream.Options{})
	for range 5 {
		if _, err := e.svc.Get(context.Background(), remote.Request{Repo: e.repo, PluginID: "p", Path: "/a.tgz"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.fmts.classifies.Load(); n != 1 {
		t.Fatalf("classify called %d times for 5 requests, want 1", n)
	}
	e.clock.advance(2 * time.Minute)
	if _, err := e.svc.Get(context.Background(), remote.Request{Repo: e.repo, PluginID: "p", Path: "/a.tgz"}, nil); err != nil {
		t.Fatal(err)
	}
	if n := e.fmts.classifies.Load(); n != 2 {
		t.Fatalf("classify called %d times after the TTL, want 2", n)
	}
}
