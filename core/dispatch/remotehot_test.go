package dispatch_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

type immutableFormats struct{ mutableFormats }

func (immutableFormats) Classify(context.Context, string, string, string) (ports.CacheClass, error) {
	return ports.CacheImmutable, nil
}

// blockGate refuses every download while on.
type blockGate struct{ on atomic.Bool }

type blocked struct{}

func (blocked) Error() string   { return "blocked" }
func (blocked) Refusal() string { return "quarantined by a test policy" }

func (g *blockGate) CheckDownload(context.Context, ports.Subject, ports.File) error {
	if g.on.Load() {
		return blocked{}
	}
	return nil
}

// A warm immutable hit of a remote repository comes from the cache's memory,
// yet a file the download gate blocks (quarantine, a scan policy) or that
// was deleted is never served from it.
func TestRemoteWarmImmutableHitKeepsGateAndDeletes(t *testing.T) {
	e := newEnv(t)
	var hits atomic.Int64
	var gone atomic.Bool
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if gone.Load() {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("tarball"))
	}))
	t.Cleanup(up.Close)
	repo := ports.Repository{Key: "prox", Format: "demo", Type: ports.RepoRemote, IsPublic: true, UpstreamURL: up.URL}
	if err := e.repos.CreateRepository(context.Background(), &repo); err != nil {
		t.Fatal(err)
	}
	e.d.UseRemote(remote.New(remote.Deps{Files: e.files, Blobs: e.blobs, Formats: immutableFormats{}, Clock: e.clock,
		Upstream: upstream.New(egress.Policy{AllowPrivateNetworks: true}, upstream.Options{})}, remote.Options{TTL: time.Minute}))
	gate := &blockGate{}
	e.d.UseGate(gate)
	for i := range 3 { // fetched, read from its row, then from memory
		if rec := e.do(&admin, http.MethodGet, "/demo/prox/p-1.tgz", nil); rec.Code != 200 || rec.Body.String() != "tarball" {
			t.Fatalf("GET %d: %d %q", i, rec.Code, rec.Body.String())
		}
	}
	gate.on.Store(true)
	if rec := e.do(&admin, http.MethodGet, "/demo/prox/p-1.tgz", nil); rec.Code != http.StatusForbidden {
		t.Fatalf("a blocked file: %d %q, want 403", rec.Code, rec.Body.String())
	}
	gate.on.Store(false)
	if _, err := e.files.Apply(context.Background(), repo.ID, ports.WriteSet{Deletes: []string{"p-1.tgz"}}); err != nil {
		t.Fatal(err)
	}
	gone.Store(true)
	if rec := e.do(&admin, http.MethodGet, "/demo/prox/p-1.tgz", nil); rec.Code != http.StatusNotFound {
		t.Fatalf("a deleted file gone upstream: %d %q, want 404", rec.Code, rec.Body.String())
	}
	if n := hits.Load(); n != 2 {
		t.Fatalf("%d upstream requests, want 2 (the first fetch, then after the delete)", n)
	}
}
