package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/egress"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/core/secret"
	"github.com/keeper-registry/keeper/core/webhook"
	"github.com/keeper-registry/keeper/ports"
)

// hookBench is a store with one webhook pointing at a local receiver and
// the delivery workers running.
type hookBench struct {
	store    *bunstore.Store
	mu       sync.Mutex
	arrived  map[string]time.Time
	notify   chan struct{}
	received int
}

func newHookBench(b *testing.B) *hookBench {
	b.Helper()
	dsn := filepath.Join(b.TempDir(), "keeper.db")
	if pg := os.Getenv("KEEPER_TEST_POSTGRES_URL"); pg != "" && os.Getenv("KEEPER_BENCH_WEBHOOK_SQLITE") == "" {
		dsn = freshSchema(b, pg)
	}
	store, err := bunstore.Open(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = store.Close() })
	if err := store.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	h := &hookBench{store: store, arrived: map[string]time.Time{}, notify: make(chan struct{}, 1)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(webhook.EventIDHeader)
		h.mu.Lock()
		h.arrived[id] = time.Now()
		h.received++
		h.mu.Unlock()
		select {
		case h.notify <- struct{}{}:
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	key := secret.NewKey()
	box, err := secret.New(key)
	if err != nil {
		b.Fatal(err)
	}
	svc := webhook.New(webhook.Deps{Store: store, Outbox: store, Sealer: box,
		Sender: httpapi.NewWebhookSender(egress.Policy{AllowPrivateNetworks: true}, 10*time.Second)},
		webhook.Options{Workers: 4, Poll: 50 * time.Millisecond})
	store.OnWebhookQueued(svc.Wake)
	secretText := "bench-secret-0123456789"
	name, u, events := "bench", srv.URL+"/hook", []string{"*"}
	if _, err := svc.Create(context.Background(), ports.Subject{Username: "admin", IsAdmin: true},
		webhook.Spec{Name: &name, URL: &u, Events: events, Secret: &secretText}); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	return h
}

func (h *hookBench) publish(b *testing.B) (string, time.Time) {
	ev := ports.WebhookEvent{ID: ports.NewWebhookEventID(), Type: ports.EventArtifactUploaded, At: time.Now(),
		Repository: "libs", Data: []byte(`{"format":"generic","files":[{"path":"a/1.tgz","size":1}],"files_total":1}`)}
	start := time.Now()
	if _, err := h.store.PublishEvent(context.Background(), ev); err != nil {
		b.Fatal(err)
	}
	return ev.ID, start
}

func (h *hookBench) waitReceived(b *testing.B, n int) {
	deadline := time.After(5 * time.Minute)
	for {
		h.mu.Lock()
		got := h.received
		h.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-h.notify:
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			b.Fatalf("%d of %d deliveries arrived", got, n)
		}
	}
}

// BenchmarkWebhookThroughput: b.N events queued at once, delivered by one
// replica's 4 workers to a local receiver; deliveries/s is the figure.
func BenchmarkWebhookThroughput(b *testing.B) {
	h := newHookBench(b)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		h.publish(b)
	}
	h.waitReceived(b, b.N)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
}

// BenchmarkWebhookLatency: one event at a time, from the commit that
// queues it to its arrival at the receiver (p50 and p99).
func BenchmarkWebhookLatency(b *testing.B) {
	h := newHookBench(b)
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id, start := h.publish(b)
		h.waitReceived(b, i+1)
		h.mu.Lock()
		lat = append(lat, h.arrived[id].Sub(start))
		h.mu.Unlock()
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
	b.ReportMetric(float64(p(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99-ms")
}
