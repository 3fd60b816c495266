package bunstore_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
)

func testKeyLock(t *testing.T, s *bunstore.Store) {
	c := &stepClock{now: time.Unix(1800000000, 0)}
	s.SetClock(c)
	ctx := context.Background()
	unlock, err := s.LockKey(ctx, "remote:1\x00pkg")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
	defer cancel()
	if _, err := s.LockKey(short, "remote:1\x00pkg"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second holder of a held key: err = %v, want a timeout", err)
	}
	other, err := s.LockKey(ctx, "remote:1\x00other")
	if err != nil {
		t.Fatalf("another key is independent: %v", err)
	}
	other()
	got := make(chan struct{})
	go func() {
		u, err := s.LockKey(ctx, "remote:1\x00pkg")
		if err == nil {
			u()
		}
		close(got)
	}()
	time.Sleep(50 * time.Millisecond)
	unlock()
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("a waiter did not get the key after unlock")
	}
	// A holder that died (never unlocks, stops renewing) loses the key once its lease expires.
	if _, err := s.LockKey(ctx, "remote:dead"); err != nil {
		t.Fatal(err)
	}
	c.advance(time.Minute)
	taken, cancel2 := context.WithTimeout(ctx, 2*time.Second)
	defer cancel2()
	if _, err := s.LockKey(taken, "remote:dead"); err != nil {
		t.Fatalf("an expired lease was not taken over: %v", err)
	}
}

func TestKeyLockSQLite(t *testing.T) { testKeyLock(t, openSQLite(t)) }

func TestKeyLockPostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	testKeyLock(t, openPostgres(t))
}
