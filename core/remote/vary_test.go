package remote_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

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
