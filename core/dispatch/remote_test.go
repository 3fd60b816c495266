package dispatch_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

type mutableFormats struct{}

func (mutableFormats) Classify(_ context.Context, _, _, path string) (ports.CacheClass, error) {
	if strings.HasPrefix(path, "/-/login") {
		return ports.CacheLocal, nil
	}
	return ports.CacheMutable, nil
}
func (mutableFormats) Rewrite(_ context.Context, _, _, _ string, b []byte, _, _ string) (ports.Document, error) {
	return ports.Document{Body: b}, nil
}
func (mutableFormats) Rewrites(string) bool { return false }

// remoteEnv adds a remote repository "prox" of format demo whose upstream
// serves "/a.txt" and counts requests; down makes it answer 503.
func remoteEnv(t *testing.T) (*env, *atomic.Int64, *atomic.Bool) {
	e := newEnv(t)
	var hits atomic.Int64
	var down atomic.Bool
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch {
		case down.Load():
			http.Error(w, "down", http.StatusServiceUnavailable)
		case r.URL.Path == "/a.txt":
			_, _ = w.Write([]byte("upstream a"))
		case r.URL.Path == "/-/q":
			_, _ = w.Write([]byte("upstream " + r.URL.RawQuery))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(up.Close)
	repo := ports.Repository{Key: "prox", Format: "demo", Type: ports.RepoRemote, IsPublic: true, UpstreamURL: up.URL}
	if err := e.repos.CreateRepository(context.Background(), &repo); err != nil {
		t.Fatal(err)
	}
	e.d.UseRemote(remote.New(remote.Deps{Files: e.files, Blobs: e.blobs, Formats: mutableFormats{}, Clock: e.clock,
		Upstream: upstream.New(egress.Policy{AllowPrivateNetworks: true}, upstream.Options{})}, remote.Options{TTL: time.Minute}))
	return e, &hits, &down
}

func TestRemoteRepositoryServesThroughTheCache(t *testing.T) {
	e, hits, down := remoteEnv(t)
	for i := range 2 {
		rec := e.do(&admin, http.MethodGet, "/demo/prox/a.txt", nil)
		if rec.Code != 200 || rec.Body.String() != "upstream a" {
			t.Fatalf("GET %d: %d %q", i, rec.Code, rec.Body.String())
		}
	}
	if hits.Load() != 1 {
		t.Fatalf("%d upstream requests, want 1", hits.Load())
	}
	if rec := e.do(&admin, http.MethodHead, "/demo/prox/a.txt", nil); rec.Code != 200 || rec.Header().Get("ETag") == "" {
		t.Fatalf("HEAD: %d %v", rec.Code, rec.Header())
	}
	if rec := e.do(&admin, http.MethodGet, "/demo/prox/missing", nil); rec.Code != 404 || !strings.Contains(rec.Body.String(), "upstream") {
		t.Fatalf("missing: %d %s", rec.Code, rec.Body.String())
	}
	down.Store(true)
	e.clock.Add(2 * time.Minute)
	rec := e.do(&admin, http.MethodGet, "/demo/prox/a.txt", nil)
	if rec.Code != 200 || rec.Body.String() != "upstream a" || !strings.HasPrefix(rec.Header().Get("Warning"), "110 ") {
		t.Fatalf("stale: %d %q Warning=%q", rec.Code, rec.Body.String(), rec.Header().Get("Warning"))
	}
	if rec := e.do(&admin, http.MethodGet, "/demo/prox/never-cached", nil); rec.Code != http.StatusBadGateway ||
		!strings.Contains(rec.Body.String(), "upstream answered 503") {
		t.Fatalf("upstream down, nothing cached: %d %s", rec.Code, rec.Body.String())
	}
}

func TestRemoteRepositoryRefusesWrites(t *testing.T) {
	e, hits, _ := remoteEnv(t)
	for _, m := range []string{http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodPatch} {
		rec := e.do(&admin, m, "/demo/prox/a.txt", nil)
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" ||
			!strings.Contains(rec.Body.String(), "remote (proxy) repository") {
			t.Fatalf("%s: %d %v %s", m, rec.Code, rec.Header(), rec.Body.String())
		}
	}
	if hits.Load() != 0 || e.files.Count(e.repoID("prox")) != 0 {
		t.Fatal("a refused write reached the upstream or the store")
	}
}

// A plugin that answers a remote repository's query with
// X-Keeper-Upstream: query gets the upstream's answer served, asked with
// the canonical query and cached per query; the field never reaches the
// client.
func TestRemoteQueryGoesUpstreamWhenThePluginAsks(t *testing.T) {
	e, hits, _ := remoteEnv(t)
	for _, q := range []string{"b=2&a=1", "a=1&b=2"} {
		rec := e.do(&admin, http.MethodGet, "/demo/prox/-/q?"+q, nil)
		if rec.Code != 200 || rec.Body.String() != "upstream a=1&b=2" || rec.Header().Get(dispatch.UpstreamQueryHeader) != "" {
			t.Fatalf("?%s: %d %q %v", q, rec.Code, rec.Body.String(), rec.Header())
		}
	}
	if hits.Load() != 1 {
		t.Fatalf("%d upstream requests for one query in two orders, want 1", hits.Load())
	}
	if rec := e.do(&admin, http.MethodGet, "/demo/prox/-/q?a=3", nil); rec.Body.String() != "upstream a=3" || hits.Load() != 2 {
		t.Fatalf("another query: %q, %d upstream requests", rec.Body.String(), hits.Load())
	}
	if rec := e.do(&admin, http.MethodGet, "/demo/prox/-/q?a="+strings.Repeat("x", remote.MaxQueryBytes), nil); rec.Code != 400 {
		t.Fatalf("a query over the bound: %d %s", rec.Code, rec.Body.String())
	}
}
