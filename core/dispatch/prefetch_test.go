package dispatch_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// TestPrefetchCachesAPathOfARemoteRepository: the host's own fetch of a
// remote repository's path (an image's blobs no client fetched) caches it
// once, as a client's GET would, and then serves it from the cache; it
// refuses local repositories, unknown ones and relative paths, and says
// what the upstream said about a missing path.
func TestPrefetchCachesAPathOfARemoteRepository(t *testing.T) {
	e, hits, _ := remoteEnv(t)
	ctx := context.Background()
	for range 2 {
		if err := e.d.Prefetch(ctx, "prox", "/a.txt"); err != nil {
			t.Fatal(err)
		}
	}
	if hits.Load() != 1 {
		t.Fatalf("%d upstream requests, want 1", hits.Load())
	}
	repo, err := e.repos.GetRepository(ctx, "prox")
	if err != nil {
		t.Fatal(err)
	}
	if f, err := e.files.GetFile(ctx, repo.ID, "a.txt"); err != nil || f.Size != int64(len("upstream a")) {
		t.Fatalf("cached file %+v: %v", f, err)
	}
	if rec := e.do(&admin, http.MethodGet, "/demo/prox/a.txt", nil); rec.Code != 200 || hits.Load() != 1 {
		t.Fatalf("GET after the prefetch: %d, %d upstream requests", rec.Code, hits.Load())
	}
	if err := e.d.Prefetch(ctx, "prox", "/missing"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("missing upstream: %v", err)
	}
	local := ports.Repository{Key: "loc", Format: "demo", Type: ports.RepoLocal}
	if err := e.repos.CreateRepository(ctx, &local); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ key, path, want string }{
		{"loc", "/a.txt", "not a remote repository"},
		{"nope", "/a.txt", "not found"},
		{"prox", "a.txt", "not absolute"},
	} {
		if err := e.d.Prefetch(ctx, c.key, c.path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Prefetch(%s, %s): %v, want %q", c.key, c.path, err, c.want)
		}
	}
}
