package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/fx/fxtest"
)

// TestPluginLoaderFollowsTheLifecycle: loading starts with the application
// (not before), Wait reports its end, and stopping the application cancels
// a load still running and waits for it.
func TestPluginLoaderFollowsTheLifecycle(t *testing.T) {
	lc := fxtest.NewLifecycle(t)
	started := make(chan struct{})
	stopped := make(chan struct{})
	l := startLoader(lc, func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		close(stopped)
		return ctx.Err()
	})
	select {
	case <-started:
		t.Fatal("loading began before the application started")
	case <-time.After(20 * time.Millisecond):
	}
	lc.RequireStart()
	<-started
	short, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := l.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait during loading = %v, want the caller's deadline", err)
	}
	lc.RequireStop()
	select {
	case <-stopped:
	default:
		t.Fatal("stop returned before the load ended")
	}
	if err := l.Wait(t.Context()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait after stop = %v, want the load's cancellation", err)
	}
}

func TestPluginLoaderReportsTheLoad(t *testing.T) {
	lc := fxtest.NewLifecycle(t)
	boom := errors.New("a plugin failed")
	l := startLoader(lc, func(context.Context) error { return boom })
	lc.RequireStart()
	if err := l.Wait(t.Context()); !errors.Is(err, boom) {
		t.Fatalf("Wait = %v, want %v", err, boom)
	}
	lc.RequireStop()
}
