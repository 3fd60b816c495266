package localnotify

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.Notifier = (*Notifier)(nil)

// queueLen bounds the notices waiting for delivery; when it is full the
// notice is dropped and a reconcile is delivered instead.
const queueLen = 1024

// Notifier delivers notices to this process's subscribers on one goroutine,
// in publish order, and a ports.NoticeReconcile every reconcile interval.
type Notifier struct {
	hub *Hub
}

// Hub fans notices out to subscribers; pgnotify reuses it for delivery.
type Hub struct {
	mu     sync.Mutex
	subs   map[string]map[int]func(string)
	nextID int

	queue    chan notice
	overflow chan struct{}
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
}

type notice struct{ topic, payload string }

// NewHub starts the delivery goroutine; reconcile > 0 also delivers
// ports.NoticeReconcile on every topic at that interval. Close stops it.
func NewHub(reconcile time.Duration) *Hub {
	h := &Hub{subs: map[string]map[int]func(string){}, queue: make(chan notice, queueLen),
		overflow: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go h.run(reconcile)
	return h
}

// New returns an in-process notifier reconciling at the given interval.
func New(reconcile time.Duration) *Notifier { return &Notifier{hub: NewHub(reconcile)} }

// Publish queues the notice for this process's subscribers.
func (n *Notifier) Publish(ctx context.Context, topic, payload string) error {
	if err := Check(topic, payload); err != nil {
		return err
	}
	n.hub.Deliver(topic, payload)
	return ctx.Err()
}

// Subscribe registers fn for topic.
func (n *Notifier) Subscribe(topic string, fn func(string)) func() { return n.hub.Subscribe(topic, fn) }

// Close stops delivery.
func (n *Notifier) Close() error { n.hub.Close(); return nil }

// Check validates a notice before it is sent.
func Check(topic, payload string) error {
	if topic == "" || strings.ContainsAny(topic, "\n\x00") {
		return fmt.Errorf("notify: %w", ports.Invalidf("topic", "must be non-empty, without newlines"))
	}
	if strings.IndexByte(payload, 0) >= 0 {
		return fmt.Errorf("notify: %w", ports.Invalidf("payload", "must not contain NUL bytes"))
	}
	if len(topic)+len(payload)+1 > ports.MaxNoticeBytes {
		return fmt.Errorf("notify: notice of %d bytes: %w", len(topic)+len(payload)+1, ports.ErrTooLarge)
	}
	return nil
}

// Subscribe registers fn for topic until the returned cancel is called.
func (h *Hub) Subscribe(topic string, fn func(string)) func() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextID++
	id := h.nextID
	if h.subs[topic] == nil {
		h.subs[topic] = map[int]func(string){}
	}
	h.subs[topic][id] = fn
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.subs[topic], id)
	}
}

// Deliver queues a notice; a full queue turns into a reconcile.
func (h *Hub) Deliver(topic, payload string) {
	select {
	case h.queue <- notice{topic, payload}:
	default:
		h.Reconcile()
	}
}

// Reconcile asks for a ports.NoticeReconcile on every topic (coalesced).
func (h *Hub) Reconcile() {
	select {
	case h.overflow <- struct{}{}:
	default:
	}
}

// Close stops the delivery goroutine and waits for it.
func (h *Hub) Close() {
	h.once.Do(func() { close(h.stop) })
	<-h.done
}

func (h *Hub) run(reconcile time.Duration) {
	defer close(h.done)
	var tick <-chan time.Time
	if reconcile > 0 {
		t := time.NewTicker(reconcile)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-h.stop:
			return
		case n := <-h.queue:
			h.call(n.topic, n.payload)
		case <-h.overflow:
			h.reconcileAll()
		case <-tick:
			h.reconcileAll()
		}
	}
}

func (h *Hub) reconcileAll() {
	h.mu.Lock()
	topics := make([]string, 0, len(h.subs))
	for t := range h.subs {
		topics = append(topics, t)
	}
	h.mu.Unlock()
	for _, t := range topics {
		h.call(t, ports.NoticeReconcile)
	}
}

func (h *Hub) call(topic, payload string) {
	h.mu.Lock()
	fns := make([]func(string), 0, len(h.subs[topic]))
	for _, fn := range h.subs[topic] {
		fns = append(fns, fn)
	}
	h.mu.Unlock()
	for _, fn := range fns {
		fn(payload)
	}
}
