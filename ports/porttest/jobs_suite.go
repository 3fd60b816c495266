package porttest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// JobLeases runs the conformance suite for ports.JobLeases. open returns a
// fresh store and a function that moves its clock forward.
func JobLeases(t *testing.T, open func(t *testing.T) (ports.JobLeases, func(time.Duration))) {
	t.Run("one of many racing claims wins", func(t *testing.T) {
		l, _ := open(t)
		errs := mdRace(20, func(i int) error {
			ok, err := l.Claim(t.Context(), "gc", fmt.Sprint("r", i), time.Hour, time.Minute)
			if err != nil {
				return err
			}
			if !ok {
				return errLost
			}
			return nil
		})
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, errLost):
				t.Fatal(err)
			}
		}
		if won != 1 {
			t.Fatalf("%d claims won, want exactly 1", won)
		}
	})
	t.Run("a finished job is not due again before its interval", func(t *testing.T) {
		l, advance := open(t)
		ctx := t.Context()
		mustClaim(t, l, "gc", "a", true)
		mdOK(t, l.Finish(ctx, "gc", "a", nil), "finish")
		mustClaim(t, l, "gc", "b", false)
		advance(time.Hour + time.Second)
		mustClaim(t, l, "gc", "b", true)
		mdOK(t, l.Finish(ctx, "gc", "b", errors.New("boom")), "finish failed run")
		jobs, err := l.Jobs(ctx)
		mdOK(t, err, "jobs")
		if len(jobs) != 1 || jobs[0].Runs != 2 || jobs[0].Failures != 1 || jobs[0].LastError != "boom" {
			t.Fatalf("jobs = %+v, want gc with 2 runs, 1 failure, last error boom", jobs)
		}
	})
	t.Run("a dead holder's lease expires and moves", func(t *testing.T) {
		l, advance := open(t)
		ctx := t.Context()
		mustClaim(t, l, "janitor", "dead", true)
		advance(2 * time.Hour) // due again, but the lease is what matters
		mdOK(t, l.Renew(ctx, "janitor", "dead", time.Minute), "renew a live lease")
		mustClaim(t, l, "janitor", "b", false)
		advance(2 * time.Minute)
		mustClaim(t, l, "janitor", "b", true)
		mdIs(t, l.Renew(ctx, "janitor", "dead", time.Minute), ports.ErrNotFound, "renew a lost lease")
		mdIs(t, l.Finish(ctx, "janitor", "dead", nil), ports.ErrNotFound, "finish a lost lease")
		mdOK(t, l.Finish(ctx, "janitor", "b", nil), "finish by the new holder")
	})
	t.Run("jobs are independent", func(t *testing.T) {
		l, _ := open(t)
		mustClaim(t, l, "gc", "a", true)
		mustClaim(t, l, "uploads.expire", "b", true)
	})
}

var errLost = errors.New("lost")

func mustClaim(t *testing.T, l ports.JobLeases, job, holder string, want bool) {
	t.Helper()
	ok, err := l.Claim(t.Context(), job, holder, time.Hour, time.Minute)
	mdOK(t, err, "claim "+job+" by "+holder)
	if ok != want {
		t.Fatalf("claim %s by %s = %v, want %v", job, holder, ok, want)
	}
}
