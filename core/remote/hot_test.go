package remote_test

import (
	"context"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/upstream"
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
