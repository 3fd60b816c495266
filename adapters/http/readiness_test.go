package http

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// A check that times out on a saturated server keeps a replica ready that
// passed recently; a definite failure makes it not ready at once.
func TestReadinessToleratesSlowChecksOnly(t *testing.T) {
	var r readiness
	var result error
	checks := []Check{{Name: "database", Run: func(context.Context) error { return result }}}
	round := func() bool { <-r.refresh(checks); _, ok, _ := r.snapshot(); return ok }
	if !round() {
		t.Fatal("not ready after a passing round")
	}
	result = context.DeadlineExceeded
	if !round() {
		t.Fatal("a slow check right after a pass made the replica not ready")
	}
	result = errors.New("connection refused")
	if round() {
		t.Fatal("a failing check kept the replica ready")
	}
	result = context.DeadlineExceeded
	if round() {
		t.Fatal("a slow check after a failure counts as ready")
	}
}

// A check that ignores its context (a write stuck on a saturated disk)
// cannot hold a round past readyTimeout, so the replica that passed
// recently stays ready instead of answering "did not complete in time"; the
// stuck check is not started again while it runs.
func TestReadinessRoundEndsDespiteAStuckCheck(t *testing.T) {
	defer func(d time.Duration) { readyTimeout = d }(readyTimeout)
	readyTimeout = 50 * time.Millisecond
	var r readiness
	stuck := make(chan struct{})
	defer close(stuck)
	var block atomic.Bool
	var started atomic.Int32
	checks := []Check{{Name: "storage", Run: func(context.Context) error {
		started.Add(1)
		if block.Load() {
			<-stuck
		}
		return nil
	}}}
	round := func() bool {
		select {
		case <-r.refresh(checks):
		case <-time.After(5 * time.Second):
			t.Fatal("a round waited for a stuck check")
		}
		_, ok, _ := r.snapshot()
		return ok
	}
	if !round() {
		t.Fatal("not ready after a passing round")
	}
	block.Store(true)
	for i := range 2 {
		if !round() {
			t.Fatalf("round %d: a stuck check right after a pass made the replica not ready", i+1)
		}
	}
	if n := started.Load(); n != 2 {
		t.Fatalf("the stuck check was started %d times, want 2 (once passing, once stuck)", n)
	}
}
