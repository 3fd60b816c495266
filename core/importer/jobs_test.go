package importer

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// memStore is an ImportStore in memory (the database's stand-in here; it
// passes the same conformance suite).
type memStore struct {
	mu    sync.Mutex
	jobs  map[string]ports.ImportJob
	items map[string][]ports.ImportItem
}

func newMemStore() *memStore {
	return &memStore{jobs: map[string]ports.ImportJob{}, items: map[string][]ports.ImportItem{}}
}

func (m *memStore) SaveImport(_ context.Context, j ports.ImportJob, from int, items []ports.ImportItem) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.jobs[j.ID] = j
	for i, it := range items {
		if from+i == len(m.items[j.ID]) {
			m.items[j.ID] = append(m.items[j.ID], it)
		}
	}
	return nil
}

func (m *memStore) Import(_ context.Context, id string) (ports.ImportJob, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	if !ok {
		return j, ports.ErrNotFound
	}
	return j, nil
}

func (m *memStore) ListImports(_ context.Context, limit int) ([]ports.ImportJob, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []ports.ImportJob{}
	for _, j := range m.jobs {
		out = append(out, j)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].StartedAt.After(out[b].StartedAt) })
	if limit <= 0 {
		limit = 20
	}
	return out[:min(limit, len(out))], nil
}

func (m *memStore) ImportItems(_ context.Context, id string, from, limit int) ([]ports.ImportItem, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	all := m.items[id]
	if from >= len(all) {
		return []ports.ImportItem{}, nil
	}
	end := len(all)
	if limit > 0 {
		end = min(end, from+limit)
	}
	return slices.Clone(all[from:end]), nil
}

func (m *memStore) PruneImports(_ context.Context, before time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, j := range m.jobs {
		finished := j.State != StateRunning && !j.FinishedAt.IsZero() && j.FinishedAt.Before(before)
		if finished || j.State == StateRunning && j.UpdatedAt.Before(before) {
			delete(m.jobs, id)
			delete(m.items, id)
			n++
		}
	}
	return n, nil
}

func TestMemStoreConforms(t *testing.T) {
	porttest.ImportStore(t, func(t *testing.T) ports.ImportStore { return newMemStore() })
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func waitDone(t *testing.T, j *Jobs, id string) JobView {
	t.Helper()
	for i := 0; i < 500; i++ {
		if v, err := j.Find(t.Context(), id); err == nil && v.State != StateRunning {
			return v
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the import did not finish")
	return JobView{}
}

// A finished import's report is read back by another Jobs over the same
// store (a restart, another replica): the job, every item, the events.
func TestJobsReportOutlivesTheProcess(t *testing.T) {
	store := newMemStore()
	clk := &clock{now: time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	n := 250 // more than one batch of items
	run := func(ctx context.Context, s Spec, progress func(Item)) (Report, error) {
		for i := 0; i < n; i++ {
			progress(Item{Repository: "libs", Path: "f" + string(rune('a'+i%26)), Outcome: []string{Imported, Skipped, Failed}[i%3]})
		}
		return Report{Bytes: 42}, nil
	}
	first := NewJobs(run, store, clk, log)
	v, err := first.Start(t.Context(), Spec{URL: "https://src.example/artifactory", By: ports.Subject{Username: "admin"}})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, first, v.ID)

	other := NewJobs(run, store, clk, log)
	got, err := other.Find(t.Context(), v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateDone || got.By != "admin" || got.Imported != 84 || got.Skipped != 83 || got.Failed != 83 || got.Bytes != 42 ||
		len(got.Items) != n || got.FinishedAt == nil || got.Items[n-1].Outcome != Imported {
		t.Fatalf("report from the store: %+v (%d items)", got, len(got.Items))
	}
	list, err := other.List(t.Context())
	if err != nil || len(list) != 1 || list[0].ID != v.ID || list[0].Items != nil {
		t.Fatalf("list: %+v %v", list, err)
	}
	items, view, ch, err := other.Events(t.Context(), v.ID, 200)
	if err != nil || len(items) != 50 || view.State != StateDone {
		t.Fatalf("events from 200: %d items, %+v, %v", len(items), view, err)
	}
	select {
	case <-ch:
	default:
		t.Fatal("a finished import's event channel must not block")
	}
}

// A running import no replica writes any more is shown interrupted, and
// does not block a new one.
func TestJobsStaleRunningIsInterrupted(t *testing.T) {
	store := newMemStore()
	clk := &clock{now: time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)}
	_ = store.SaveImport(t.Context(), ports.ImportJob{ID: "gone", URL: "https://src.example/", State: StateRunning,
		StartedAt: clk.Now(), UpdatedAt: clk.Now()}, 0, []ports.ImportItem{{Repository: "libs", Path: "a", Outcome: Imported}})
	block := make(chan struct{})
	run := func(ctx context.Context, s Spec, progress func(Item)) (Report, error) {
		<-block
		return Report{}, nil
	}
	j := NewJobs(run, store, clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := j.Start(t.Context(), Spec{URL: "https://src.example/"}); err == nil {
		t.Fatal("started while another replica's import runs")
	}
	if err := j.Cancel(t.Context(), "gone"); err == nil {
		t.Fatal("cancelled another replica's running import")
	}
	clk.add(2 * time.Minute)
	v, err := j.Find(t.Context(), "gone")
	if err != nil || v.State != StateInterrupted || len(v.Items) != 1 {
		t.Fatalf("stale job: %+v %v", v, err)
	}
	started, err := j.Start(t.Context(), Spec{URL: "https://src.example/"})
	if err != nil {
		t.Fatalf("start after a stale job: %v", err)
	}
	close(block)
	waitDone(t, j, started.ID)
}

// Finished imports older than the retention go with their items; a
// recent one and a running one stay.
func TestJobsPruneAfterRetention(t *testing.T) {
	store := newMemStore()
	clk := &clock{now: time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)}
	run := func(ctx context.Context, s Spec, progress func(Item)) (Report, error) {
		progress(Item{Repository: "libs", Path: "a", Outcome: Imported})
		return Report{}, nil
	}
	j := NewJobs(run, store, clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	first, err := j.Start(t.Context(), Spec{URL: "https://src.example/"})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, j, first.ID)
	clk.add(10 * 24 * time.Hour)
	second, err := j.Start(t.Context(), Spec{URL: "https://src.example/"})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, j, second.ID)
	clk.add(20*24*time.Hour + time.Minute) // the first finished 30 days and a minute ago
	if n, err := j.Prune(t.Context(), 30*24*time.Hour); err != nil || n != 1 {
		t.Fatalf("prune: %d %v", n, err)
	}
	if _, err := j.Find(t.Context(), first.ID); err == nil {
		t.Fatal("the old import is still there")
	}
	if its, _ := store.ImportItems(t.Context(), first.ID, 0, 0); len(its) != 0 {
		t.Fatalf("the old import's items are still there: %+v", its)
	}
	if v, err := j.Find(t.Context(), second.ID); err != nil || len(v.Items) != 1 {
		t.Fatalf("the recent import: %+v %v", v, err)
	}
	if _, err := j.Prune(t.Context(), 0); err == nil {
		t.Fatal("a retention of 0 pruned")
	}
}
