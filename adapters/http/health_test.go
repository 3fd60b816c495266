package http_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	httpapi "github.com/keeper-registry/keeper/adapters/http"
)

// TestProbesBypassTheShedderAndAnswerFromCache: with a shedder refusing
// every request and a readiness check that becomes slow, /livez and /ready
// still answer at once, /ready from its last completed round.
func TestProbesBypassTheShedderAndAnswerFromCache(t *testing.T) {
	var slow atomic.Bool
	var rounds atomic.Int64
	check := httpapi.Check{Name: "database", Run: func(ctx context.Context) error {
		rounds.Add(1)
		if slow.Load() {
			select {
			case <-time.After(3 * time.Second):
			case <-ctx.Done():
			}
		}
		return nil
	}}
	var shedding atomic.Bool
	shed := func(c *gin.Context) {
		if shedding.Load() {
			c.AbortWithStatus(http.StatusServiceUnavailable)
		}
	}
	e := newEnv(t, t.TempDir()+"/keeper.db", 1<<20, func(d *httpapi.Deps) {
		d.Ready = []httpapi.Check{check}
		d.BeforeAuth = []gin.HandlerFunc{shed}
	})
	shedding.Store(true) // after newEnv's login
	get := func(path string) (int, time.Duration) {
		start := time.Now()
		resp, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, time.Since(start)
	}
	if code, _ := get("/health"); code != http.StatusServiceUnavailable {
		t.Fatalf("/health = %d: the test shedder is not in the chain", code)
	}
	if code, _ := get("/livez"); code != http.StatusOK {
		t.Fatalf("/livez = %d under the shedder, want 200", code)
	}
	if code, _ := get("/ready"); code != http.StatusOK {
		t.Fatalf("first /ready = %d, want 200", code)
	}
	slow.Store(true)
	time.Sleep(1100 * time.Millisecond) // past readyFresh: the next probe refreshes in the background
	for range 5 {
		code, took := get("/ready")
		if code != http.StatusOK || took > time.Second {
			t.Fatalf("/ready = %d after %s while a check is slow, want 200 from the cache at once", code, took)
		}
	}
	// The refresh runs in the background: give a loaded machine time to start it.
	for deadline := time.Now().Add(3 * time.Second); rounds.Load() < 2 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := rounds.Load(); n != 2 {
		t.Fatalf("%d rounds of checks, want 2 (the first, and one background refresh)", n)
	}
}
