package porttest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// NotifierDeadline is how long a notice may take to arrive in the suite; the
// cluster's target is 100 ms (measured by benchmarks, not here).
const NotifierDeadline = 5 * time.Second

// Notifier runs the conformance suite for ports.Notifier. replicas returns
// two notifiers that stand for two replicas of one cluster, both already
// listening (for an in-process notifier both may be the same value).
func Notifier(t *testing.T, replicas func(t *testing.T) (a, b ports.Notifier)) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, a, b ports.Notifier)
	}{
		{"a notice reaches the other replica and the publisher", notifyTestDelivery},
		{"topics are separate", notifyTestTopics},
		{"one publisher's notices arrive in order", notifyTestOrder},
		{"cancel stops delivery", notifyTestCancel},
		{"payloads keep newlines and unicode", notifyTestPayload},
		{"oversized and malformed notices are refused", notifyTestLimits},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := replicas(t)
			tc.fn(t, a, b)
		})
	}
}

// notifyTopic is unique per subtest so runs sharing a database do not mix.
func notifyTopic(t *testing.T, name string) string {
	return fmt.Sprintf("test.%s.%d", name, time.Now().UnixNano())
}

func collect(n ports.Notifier, topic string) (<-chan string, func()) {
	ch := make(chan string, 256)
	cancel := n.Subscribe(topic, func(p string) {
		if p == ports.NoticeReconcile {
			return
		}
		select {
		case ch <- p:
		default:
		}
	})
	return ch, cancel
}

func expectNotice(t *testing.T, ch <-chan string, want string) {
	t.Helper()
	select {
	case got := <-ch:
		if got != want {
			t.Fatalf("notice = %q, want %q", got, want)
		}
	case <-time.After(NotifierDeadline):
		t.Fatalf("notice %q did not arrive within %s", want, NotifierDeadline)
	}
}

func expectNone(t *testing.T, ch <-chan string, wait time.Duration) {
	t.Helper()
	select {
	case got := <-ch:
		t.Fatalf("unexpected notice %q", got)
	case <-time.After(wait):
	}
}

func notifyTestDelivery(t *testing.T, a, b ports.Notifier) {
	topic := notifyTopic(t, "delivery")
	onB, cancelB := collect(b, topic)
	defer cancelB()
	onA, cancelA := collect(a, topic)
	defer cancelA()
	if err := a.Publish(context.Background(), topic, "repo 42"); err != nil {
		t.Fatal(err)
	}
	expectNotice(t, onB, "repo 42")
	expectNotice(t, onA, "repo 42")
}

func notifyTestTopics(t *testing.T, a, b ports.Notifier) {
	one, two := notifyTopic(t, "one"), notifyTopic(t, "two")
	onOne, c1 := collect(b, one)
	defer c1()
	onTwo, c2 := collect(b, two)
	defer c2()
	if err := a.Publish(context.Background(), two, "x"); err != nil {
		t.Fatal(err)
	}
	expectNotice(t, onTwo, "x")
	expectNone(t, onOne, 200*time.Millisecond)
}

func notifyTestOrder(t *testing.T, a, b ports.Notifier) {
	topic := notifyTopic(t, "order")
	ch, cancel := collect(b, topic)
	defer cancel()
	for i := range 50 {
		if err := a.Publish(context.Background(), topic, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		expectNotice(t, ch, fmt.Sprint(i))
	}
}

func notifyTestCancel(t *testing.T, a, b ports.Notifier) {
	topic := notifyTopic(t, "cancel")
	gone, cancelGone := collect(b, topic)
	kept, cancelKept := collect(b, topic)
	defer cancelKept()
	cancelGone()
	if err := a.Publish(context.Background(), topic, "after"); err != nil {
		t.Fatal(err)
	}
	expectNotice(t, kept, "after")
	expectNone(t, gone, 200*time.Millisecond)
}

func notifyTestPayload(t *testing.T, a, b ports.Notifier) {
	topic := notifyTopic(t, "payload")
	ch, cancel := collect(b, topic)
	defer cancel()
	for _, p := range []string{"", "two\nlines", "ünïcødé ✓", strings.Repeat("x", 3000)} {
		if err := a.Publish(context.Background(), topic, p); err != nil {
			t.Fatalf("publish %.20q: %v", p, err)
		}
		expectNotice(t, ch, p)
	}
}

func notifyTestLimits(t *testing.T, a, _ ports.Notifier) {
	ctx := context.Background()
	if err := a.Publish(ctx, "t", strings.Repeat("x", ports.MaxNoticeBytes)); !errors.Is(err, ports.ErrTooLarge) {
		t.Fatalf("oversized notice: err = %v, want ErrTooLarge", err)
	}
	if err := a.Publish(ctx, "", "x"); !errors.Is(err, ports.ErrInvalid) {
		t.Fatalf("empty topic: err = %v, want ErrInvalid", err)
	}
	if err := a.Publish(ctx, "a\nb", "x"); !errors.Is(err, ports.ErrInvalid) {
		t.Fatalf("topic with a newline: err = %v, want ErrInvalid", err)
	}
}
