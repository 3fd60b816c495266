package stats

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// fakeStore records every batch; block makes AddDownloads wait, fail makes it fail.
type fakeStore struct {
	mu      sync.Mutex
	batches [][]ports.DownloadCount
	block   chan struct{}
	fail    error
}

func (f *fakeStore) AddDownloads(ctx context.Context, c []ports.DownloadCount) error {
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.batches = append(f.batches, append([]ports.DownloadCount(nil), c...))
	return nil
}

func (f *fakeStore) Downloads(context.Context, ports.DownloadQuery) ([]ports.DownloadRow, error) {
	return nil, nil
}

func (f *fakeStore) total() (n, bytes int64, batches int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range f.batches {
		for _, c := range b {
			n += c.Downloads
			bytes += c.Bytes
		}
	}
	return n, bytes, len(f.batches)
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

var day = time.Date(2026, 12, 6, 23, 59, 0, 0, time.UTC)

func TestCountsOfOneKeySumUpInOneRow(t *testing.T) {
	st := &fakeStore{}
	r := New(st, Options{Interval: time.Hour, Clock: fixedClock{day}})
	for range 3 {
		r.Record(Download{Repository: "libs", Path: "a.tgz", User: "alice", Bytes: 10})
	}
	r.Record(Download{Repository: "libs", Path: "a.tgz", Bytes: 5})
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(st.batches) != 1 || len(st.batches[0]) != 2 {
		t.Fatalf("batches = %+v, want one batch of two rows", st.batches)
	}
	for _, c := range st.batches[0] {
		want := ports.DownloadCount{Day: "2026-12-06", Repository: "libs", Path: "a.tgz", User: "alice", Downloads: 3, Bytes: 30}
		if c.User == "" {
			want.User, want.Downloads, want.Bytes = "", 1, 5
		}
		if c != want {
			t.Fatalf("row %+v, want %+v", c, want)
		}
	}
	if r.Written() != 4 || r.Pending() != 0 {
		t.Fatalf("written %d pending %d", r.Written(), r.Pending())
	}
}

func TestFlushesAfterTheIntervalAndAtNKeys(t *testing.T) {
	st := &fakeStore{}
	r := New(st, Options{Interval: 50 * time.Millisecond, FlushAt: 1 << 30})
	r.Start()
	defer r.Stop(context.Background())
	r.Record(Download{Repository: "libs", Path: "a"})
	waitFor(t, func() bool { n, _, _ := st.total(); return n == 1 })

	st2 := &fakeStore{}
	r2 := New(st2, Options{Interval: time.Hour, FlushAt: 5})
	r2.Start()
	defer r2.Stop(context.Background())
	// FlushAt counts distinct keys: downloads of one artifact add up in
	// one count and do not make the recorder write early.
	for range 10 {
		r2.Record(Download{Repository: "libs", Path: "b"})
	}
	time.Sleep(50 * time.Millisecond)
	if n, _, _ := st2.total(); n != 0 {
		t.Fatalf("%d downloads of one artifact were written before the interval", n)
	}
	for _, p := range []string{"c", "d", "e", "f"} {
		r2.Record(Download{Repository: "libs", Path: p})
	}
	waitFor(t, func() bool { n, _, _ := st2.total(); return n == 14 })
}

func TestStopFlushesWhatIsLeft(t *testing.T) {
	st := &fakeStore{}
	r := New(st, Options{Interval: time.Hour})
	r.Start()
	r.Record(Download{Repository: "libs", Path: "a", Bytes: 7})
	if err := r.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n, b, _ := st.total(); n != 1 || b != 7 {
		t.Fatalf("after stop: %d downloads, %d bytes", n, b)
	}
}

// A download never waits on the store: with the store stuck, Record
// returns at once, and once the buffer is full the extra keys are dropped
// and counted.
func TestRecordNeverWaitsAndDropsWhenFull(t *testing.T) {
	st := &fakeStore{block: make(chan struct{})}
	r := New(st, Options{Interval: time.Millisecond, FlushAt: 1, MaxKeys: 10})
	r.Start()
	start := time.Now()
	for i := range 1000 {
		r.Record(Download{Repository: "libs", Path: string(rune('a' + i%26)), Bytes: 1})
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("1000 records took %v with the store stuck", el)
	}
	if r.Dropped() == 0 {
		t.Fatal("nothing dropped with 26 keys and room for 10")
	}
	close(st.block)
	if err := r.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	n, _, _ := st.total()
	if n+r.Dropped() != 1000 {
		t.Fatalf("written %d + dropped %d != 1000", n, r.Dropped())
	}
}

func TestAFailedWriteIsRetried(t *testing.T) {
	st := &fakeStore{fail: errors.New("database down")}
	r := New(st, Options{Interval: time.Hour})
	r.Record(Download{Repository: "libs", Path: "a", Bytes: 3})
	if err := r.Flush(t.Context()); err == nil {
		t.Fatal("flush against a failing store succeeded")
	}
	if r.Pending() != 1 || r.Dropped() != 0 {
		t.Fatalf("after a failed write: pending %d dropped %d", r.Pending(), r.Dropped())
	}
	st.mu.Lock()
	st.fail = nil
	st.mu.Unlock()
	r.Record(Download{Repository: "libs", Path: "a", Bytes: 3})
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n, b, _ := st.total(); n != 2 || b != 6 {
		t.Fatalf("after retry: %d downloads, %d bytes", n, b)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkRecord is what a download pays for its statistics: Record from
// parallel goroutines over 1,000 artifacts (no flusher running; the buffer
// is emptied between batches as the flusher would).
func BenchmarkRecord(b *testing.B) {
	r := New(&fakeStore{}, Options{MaxKeys: 1 << 20, FlushAt: 1 << 30})
	paths := make([]string, 1000)
	for i := range paths {
		paths[i] = "pkg/" + string(rune('a'+i%26)) + "/" + time.Duration(i).String()
	}
	b.ReportAllocs()
	cpu0 := processCPU()
	defer func() { b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op") }()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			r.Record(Download{Repository: "libs", Path: paths[i%len(paths)], User: "alice", Bytes: 4096})
			i++
		}
	})
}

// processCPU is the user and system CPU time this process used so far:
// on a shared, loaded machine it moves far less than wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// A download just before midnight UTC and one just after count on their own days.
func TestDaysTurnAtMidnightUTC(t *testing.T) {
	clock := &movingClock{t: time.Date(2026, 12, 6, 23, 59, 59, 0, time.UTC)}
	st := &fakeStore{}
	r := New(st, Options{Clock: clock})
	r.Record(Download{Repository: "libs", Path: "a"})
	clock.t = clock.t.Add(2 * time.Second)
	r.Record(Download{Repository: "libs", Path: "a"})
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	days := map[string]int64{}
	for _, c := range st.batches[0] {
		days[c.Day] += c.Downloads
	}
	if days["2026-12-06"] != 1 || days["2026-12-07"] != 1 {
		t.Fatalf("days %v", days)
	}
}

type movingClock struct{ t time.Time }

func (c *movingClock) Now() time.Time { return c.t }
