package localnotify_test

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/localnotify"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func TestNotifier(t *testing.T) {
	porttest.Notifier(t, func(t *testing.T) (ports.Notifier, ports.Notifier) {
		n := localnotify.New(time.Hour)
		t.Cleanup(func() { _ = n.Close() })
		return n, n
	})
}

func TestReconcileIsPeriodic(t *testing.T) {
	n := localnotify.New(20 * time.Millisecond)
	defer n.Close()
	got := make(chan string, 8)
	cancel := n.Subscribe("t", func(p string) {
		select {
		case got <- p:
		default:
		}
	})
	defer cancel()
	select {
	case p := <-got:
		if p != ports.NoticeReconcile {
			t.Fatalf("payload = %q, want the reconcile notice", p)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no reconcile notice within 2 s")
	}
}
