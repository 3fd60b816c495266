package lru_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/keeper-registry/keeper/core/lru"
)

func TestEvictsLeastRecentlyUsedByCount(t *testing.T) {
	c := lru.New[string, int](3, 1<<20)
	for i, k := range []string{"a", "b", "c"} {
		c.Add(k, i, 1)
	}
	if _, ok := c.Get("a"); !ok { // a becomes the most recent; b is now the oldest
		t.Fatal("a missing")
	}
	c.Add("d", 3, 1)
	if _, ok := c.Get("b"); ok {
		t.Fatal("b should have been evicted")
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, ok := c.Get(k); !ok {
			t.Fatalf("%s evicted", k)
		}
	}
	if n, _, ev := c.Stats(); n != 3 || ev != 1 {
		t.Fatalf("stats %d %d", n, ev)
	}
}

func TestEvictsByBytes(t *testing.T) {
	c := lru.New[int, string](100, 100)
	for i := range 10 {
		c.Add(i, "x", 20)
	}
	n, b, _ := c.Stats()
	if n != 5 || b != 100 {
		t.Fatalf("entries %d bytes %d, want 5 and 100", n, b)
	}
	if _, ok := c.Get(4); ok {
		t.Fatal("oldest entries must go first")
	}
	if _, ok := c.Get(9); !ok {
		t.Fatal("newest entry evicted")
	}
	if c.Add(100, "huge", 26) {
		t.Fatal("an entry above a quarter of the bytes must be refused")
	}
}

func TestReplaceRemoveClear(t *testing.T) {
	c := lru.New[string, string](10, 1000)
	c.Add("k", "v1", 10)
	c.Add("k", "v2", 30)
	if v, _ := c.Peek("k"); v != "v2" {
		t.Fatalf("got %q", v)
	}
	if n, b, _ := c.Stats(); n != 1 || b != 30 {
		t.Fatalf("replace kept %d entries %d bytes", n, b)
	}
	c.Add("k2", "v", 5)
	c.RemoveIf(func(k, _ string) bool { return k == "k" })
	if _, ok := c.Get("k"); ok {
		t.Fatal("RemoveIf kept k")
	}
	c.Remove("k2")
	if n, b, _ := c.Stats(); n != 0 || b != 0 {
		t.Fatalf("after removes: %d %d", n, b)
	}
	c.Add("a", "v", 1)
	c.Clear()
	if _, ok := c.Get("a"); ok {
		t.Fatal("Clear kept a")
	}
	c.Add("b", "v", 1)
	if _, ok := c.Get("b"); !ok {
		t.Fatal("usable after Clear")
	}
}

func TestDisabled(t *testing.T) {
	c := lru.New[string, int](0, 0)
	if c.Add("a", 1, 0) {
		t.Fatal("a zero-size cache stored an entry")
	}
}

func TestConcurrentUseStaysBounded(t *testing.T) {
	c := lru.New[string, int](64, 64*10)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5000 {
				k := fmt.Sprintf("%d/%d", g, i)
				c.Add(k, i, 10)
				c.Get(strconv.Itoa(i))
				if i%7 == 0 {
					c.Remove(k)
				}
			}
		}()
	}
	wg.Wait()
	if n, b, _ := c.Stats(); n > 64 || b > 640 {
		t.Fatalf("unbounded: %d entries %d bytes", n, b)
	}
}

// BenchmarkDistinctKeys adds b.N distinct keys to a cache of 10,000 entries
// and reports how many it holds at the end (the bound, not b.N).
func BenchmarkDistinctKeys(b *testing.B) {
	c := lru.New[string, []byte](10000, 8<<20)
	val := make([]byte, 100)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Add("/generic/repo/path/"+strconv.Itoa(i), val, 200)
	}
	n, bytes, _ := c.Stats()
	b.ReportMetric(float64(n), "entries")
	b.ReportMetric(float64(bytes), "bytes-held")
}
