package http

import (
	"context"
	"errors"
	"testing"
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
