package repository

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// TestNegativeLookupsBounded: misses for ever new paths (a client chooses
// them) stay within the entry bound, and a path read all along stays cached
// while they churn (least recently used eviction, not a flush).
func TestNegativeLookupsBounded(t *testing.T) {
	ctx := context.Background()
	st := &countingStore{repo: ports.Repository{ID: 7, Key: "libs", Generation: 1}, files: map[string]ports.File{"hot": {Path: "hot"}}}
	c := NewCache(st, st, &manualClock{t: time.Unix(1000, 0)}, time.Hour, 1000)
	c.GetRepository(ctx, "libs")
	c.GetFile(ctx, 7, "hot")
	reads := st.fileReads
	for i := range 50000 {
		c.GetFile(ctx, 7, "missing/"+strconv.Itoa(i))
		if _, err := c.GetFile(ctx, 7, "hot"); err != nil {
			t.Fatal(err)
		}
	}
	if n, _, _ := c.byFile.Stats(); n > 1000 {
		t.Fatalf("%d file entries, bound 1000", n)
	}
	if got := st.fileReads - reads; got != 50000 {
		t.Fatalf("store reads %d, want 50000 (one per miss, none for the hot path)", got)
	}
}

// TestLongPathsBoundedInBytes: entries with 8 KiB paths stay within the
// byte bound even when the entry bound is far away.
func TestLongPathsBoundedInBytes(t *testing.T) {
	ctx := context.Background()
	st := &countingStore{repo: ports.Repository{ID: 7, Key: "libs", Generation: 1}, files: map[string]ports.File{}}
	c := NewCache(st, st, &manualClock{t: time.Unix(1000, 0)}, time.Hour, 1<<30)
	c.GetRepository(ctx, "libs")
	long := strings.Repeat("x", 8<<10)
	for i := range 20000 {
		c.GetFile(ctx, 7, long+strconv.Itoa(i))
	}
	if _, b, _ := c.byFile.Stats(); b > maxFileCacheBytes {
		t.Fatalf("%d bytes held, bound %d", b, maxFileCacheBytes)
	}
}

// BenchmarkDistinctMisses sends distinct paths (b.N of them; run with
// -benchtime=1000000x for a million) through GetFile and reports the heap
// held afterwards: it stays at the cache's bounds, whatever b.N.
func BenchmarkDistinctMisses(b *testing.B) {
	ctx := context.Background()
	st := &countingStore{repo: ports.Repository{ID: 7, Key: "libs", Generation: 1}, files: map[string]ports.File{}}
	c := NewCache(st, st, &manualClock{t: time.Unix(1000, 0)}, time.Hour, 100000)
	c.GetRepository(ctx, "libs")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.GetFile(ctx, 7, "/pypi/simple/pkg-"+strconv.Itoa(i)+"/?q="+strconv.Itoa(i))
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	n, bytes, _ := c.byFile.Stats()
	b.ReportMetric(float64(n), "entries")
	b.ReportMetric(float64(bytes)/(1<<20), "cache-MiB")
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MiB")
}
