package repository

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// busNotifier delivers synchronously to every subscriber (two caches on one
// bus stand for two replicas).
type busNotifier struct {
	mu   sync.Mutex
	subs map[string][]func(string)
}

func (b *busNotifier) Publish(_ context.Context, topic, payload string) error {
	b.mu.Lock()
	fns := append([]func(string){}, b.subs[topic]...)
	b.mu.Unlock()
	for _, fn := range fns {
		fn(payload)
	}
	return nil
}

func (b *busNotifier) Subscribe(topic string, fn func(string)) func() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = map[string][]func(string){}
	}
	b.subs[topic] = append(b.subs[topic], fn)
	return func() {}
}

// updatingStore lets UpdateRepository change the shared repository.
type updatingStore struct{ *countingStore }

func (s updatingStore) UpdateRepository(_ context.Context, _ string, fn func(*ports.Repository) error) (ports.Repository, error) {
	err := fn(&s.repo)
	return s.repo, err
}

func (s updatingStore) DeleteRepository(_ context.Context, _ string) error {
	s.repo = ports.Repository{}
	return nil
}

func TestCacheSeesOtherReplicasWritesBeforeTTL(t *testing.T) {
	ctx := context.Background()
	st := updatingStore{&countingStore{repo: ports.Repository{ID: 7, Key: "libs", Generation: 1, IsPublic: true},
		files: map[string]ports.File{"a": {Path: "a", SHA256: "1"}}}}
	clock := &manualClock{t: time.Unix(1000, 0)}
	bus := &busNotifier{}
	a := NewCache(st, st, clock, time.Hour, 100)
	b := NewCache(st, st, clock, time.Hour, 100)
	a.Listen(bus)
	b.Listen(bus)

	// b warms its cache.
	r, _ := b.GetRepository(ctx, "libs")
	if _, err := b.GetFile(ctx, r.ID, "a"); err != nil {
		t.Fatal(err)
	}
	// a deletes the file and makes the repository private.
	if _, err := a.Apply(ctx, 7, ports.WriteSet{Deletes: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UpdateRepository(ctx, "libs", func(r *ports.Repository) error { r.IsPublic = false; return nil }); err != nil {
		t.Fatal(err)
	}
	// b sees both at once, although its TTL (an hour) has not passed.
	r, _ = b.GetRepository(ctx, "libs")
	if r.IsPublic {
		t.Fatal("b still serves the repository as public after a's update was announced")
	}
	if _, err := b.GetFile(ctx, r.ID, "a"); err == nil {
		t.Fatal("b still serves the deleted file after a's delete was announced")
	}
}

func TestCacheReconcileNoticeDropsEverything(t *testing.T) {
	ctx := context.Background()
	st := &countingStore{repo: ports.Repository{ID: 7, Key: "libs", Generation: 1}, files: map[string]ports.File{}}
	c := NewCache(st, st, &manualClock{t: time.Unix(1000, 0)}, time.Hour, 100)
	bus := &busNotifier{}
	c.Listen(bus)
	_, _ = c.GetRepository(ctx, "libs")
	_, _ = c.GetRepository(ctx, "libs")
	if st.repoReads != 1 {
		t.Fatalf("repo reads = %d before the notice, want 1", st.repoReads)
	}
	_ = bus.Publish(ctx, NoticeTopic, ports.NoticeReconcile)
	_, _ = c.GetRepository(ctx, "libs")
	if st.repoReads != 2 {
		t.Fatalf("repo reads = %d after a reconcile notice, want 2", st.repoReads)
	}
}

// TestCacheDoesNotStoreAReadOverlappingANotice: a read that began before a
// notice arrived may hold the old row; it must not be cached.
func TestCacheDoesNotStoreAReadOverlappingANotice(t *testing.T) {
	ctx := context.Background()
	bus := &busNotifier{}
	st := &noticeDuringRead{countingStore: &countingStore{repo: ports.Repository{ID: 7, Key: "libs", Generation: 1}}, bus: bus}
	c := NewCache(st, st, &manualClock{t: time.Unix(1000, 0)}, time.Hour, 100)
	c.Listen(bus)
	_, _ = c.GetRepository(ctx, "libs") // a notice lands during this read
	_, _ = c.GetRepository(ctx, "libs")
	if st.repoReads != 2 {
		t.Fatalf("repo reads = %d, want 2 (the overlapping read was cached)", st.repoReads)
	}
}

type noticeDuringRead struct {
	*countingStore
	bus  *busNotifier
	done bool
}

func (s *noticeDuringRead) GetRepository(ctx context.Context, key string) (ports.Repository, error) {
	r, err := s.countingStore.GetRepository(ctx, key)
	if !s.done {
		s.done = true
		_ = s.bus.Publish(ctx, NoticeTopic, "7")
	}
	return r, err
}
