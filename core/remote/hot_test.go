package remote_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

// A warm hit of a mutable document is answered from memory (no classify,
// no lookup), but never past the copy's freshness: once the TTL ends the
// upstream is asked, and a changed document is served.
func TestWarmDocumentIsNotServedPastTheTTL(t *testing.T) {
	up := newCounting(t)
	up.set("/pkg", `{"v":1}`)
	e := newEnv(t, up.srv.URL, "npm", upstream.Options{})
	e.mustGet(t, "/pkg", `{"v":1}`)
	e.mustGet(t, "/pkg", `{"v":1}`) // a fresh hit: kept hot
	classified := e.fmts.classifies.Load()
	for range 3 {
		res := e.mustGet(t, "/pkg", `{"v":1}`)
		if len(res.Headers) != cap(res.Headers) {
			t.Fatal("a hot answer's headers can be appended into by two requests at once")
		}
	}
	if n := e.fmts.classifies.Load(); n != classified {
		t.Fatalf("warm hits classified %d times, want 0 (answered from memory)", n-classified)
	}
	up.set("/pkg", `{"v":2}`)
	e.clock.advance(9 * time.Minute)
	e.mustGet(t, "/pkg", `{"v":1}`) // within the TTL the copy stands
	e.clock.advance(2 * time.Minute)
	e.mustGet(t, "/pkg", `{"v":2}`)
	e.mustGet(t, "/pkg", `{"v":2}`)
	if n := up.count("/pkg"); n != 2 {
		t.Fatalf("%d upstream requests, want 2", n)
	}
}

// A 304 makes the copy fresh for another TTL (the hot answer follows it);
// the document changed upstream after that is served when that TTL ends.
func TestWarmDocumentFollowsRevalidation(t *testing.T) {
	up := newCounting(t)
	up.set("/pkg", `{"v":1}`)
	e := newEnv(t, up.srv.URL, "npm", upstream.Options{})
	e.mustGet(t, "/pkg", `{"v":1}`)
	e.mustGet(t, "/pkg", `{"v":1}`)
	e.clock.advance(11 * time.Minute)
	e.mustGet(t, "/pkg", `{"v":1}`) // revalidated: 304
	if c := up.conditional("/pkg"); c != 1 {
		t.Fatalf("%d conditional requests after the TTL, want 1", c)
	}
	e.mustGet(t, "/pkg", `{"v":1}`)
	up.set("/pkg", `{"v":2}`)
	e.clock.advance(9 * time.Minute)
	e.mustGet(t, "/pkg", `{"v":1}`)
	if n := up.count("/pkg"); n != 2 {
		t.Fatalf("within the TTL after the 304: %d upstream requests, want 2", n)
	}
	e.clock.advance(2 * time.Minute)
	e.mustGet(t, "/pkg", `{"v":2}`)
}

// An invalidation ends the hot answer at once: the next request fetches
// the upstream's current document.
func TestWarmDocumentEndsWithInvalidation(t *testing.T) {
	up := newCounting(t)
	up.set("/pkg", `{"v":1}`)
	e := newEnv(t, up.srv.URL, "npm", upstream.Options{})
	e.mustGet(t, "/pkg", `{"v":1}`)
	e.mustGet(t, "/pkg", `{"v":1}`)
	e.mustGet(t, "/pkg", `{"v":1}`)
	up.set("/pkg", `{"v":2}`)
	if n, err := e.svc.Invalidate(context.Background(), e.repo.ID, "/pkg", false); err != nil || n != 1 {
		t.Fatalf("invalidate: %d %v", n, err)
	}
	e.mustGet(t, "/pkg", `{"v":2}`)
	// A shorter TTL set on the repository applies to answers already hot.
	e.mustGet(t, "/pkg", `{"v":2}`)
	up.set("/pkg", `{"v":3}`)
	e.clock.advance(2 * time.Minute)
	e.repo.Config["cache_ttl"] = "1m"
	e.mustGet(t, "/pkg", `{"v":3}`)
}

// lookups counts the file rows the cache reads.
type lookups struct {
	*dispatchtest.Files
	n atomic.Int64
}

func (l *lookups) GetFile(ctx context.Context, repoID int64, path string) (ports.File, error) {
	l.n.Add(1)
	return l.Files.GetFile(ctx, repoID, path)
}

// A warm hit of an immutable file is answered from memory (no row read),
// until a write to the repository: a deleted file is never served from it,
// and an invalidated one is fetched again.
func TestWarmImmutableFileFromMemoryEndsWithDeletes(t *testing.T) {
	up := newCounting(t)
	up.set("/p/-/p-1.tgz", "one")
	e := newEnv(t, up.srv.URL, "npm", upstream.Options{})
	files := &lookups{Files: e.files}
	e.svc = remote.New(remote.Deps{Files: files, Blobs: e.blobs, Formats: e.fmts, Clock: e.clock,
		Upstream: upstream.New(egress.Policy{AllowPrivateNetworks: true}, upstream.Options{})}, remote.Options{})
	e.mustGet(t, "/p/-/p-1.tgz", "one")
	e.mustGet(t, "/p/-/p-1.tgz", "one") // a fresh hit: kept hot
	read := files.n.Load()
	for range 3 {
		e.mustGet(t, "/p/-/p-1.tgz", "one")
	}
	if n := files.n.Load() - read; n != 0 {
		t.Fatalf("warm hits read %d file rows, want 0 (answered from memory)", n)
	}

	// Deleted (by the API, a cleanup, another replica: a write to the
	// repository) and gone upstream: not found, not the remembered row.
	if _, err := e.files.Apply(context.Background(), e.repo.ID, ports.WriteSet{Deletes: []string{"p/-/p-1.tgz"}}); err != nil {
		t.Fatal(err)
	}
	// The dispatcher reads the repository (its generation) per request.
	fresh, err := e.files.Repos.GetRepository(context.Background(), e.repo.Key)
	if err != nil || fresh.Generation == e.repo.Generation {
		t.Fatalf("the delete moved no generation: %v", err)
	}
	e.repo = &fresh
	up.remove("/p/-/p-1.tgz")
	if _, _, err := e.get(t, "/p/-/p-1.tgz"); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("a deleted file: err %v, want not found", err)
	}

	// Invalidated: fetched again, the new bytes served.
	up.set("/p/-/p-2.tgz", "two")
	e.mustGet(t, "/p/-/p-2.tgz", "two")
	e.mustGet(t, "/p/-/p-2.tgz", "two")
	up.set("/p/-/p-2.tgz", "two, republished")
	if _, err := e.svc.Invalidate(context.Background(), e.repo.ID, "/p/-/p-2.tgz", false); err != nil {
		t.Fatal(err)
	}
	e.mustGet(t, "/p/-/p-2.tgz", "two, republished")
	if n := up.count("/p/-/p-2.tgz"); n != 2 {
		t.Fatalf("%d upstream fetches of the invalidated file, want 2", n)
	}
}
