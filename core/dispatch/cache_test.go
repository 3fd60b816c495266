package dispatch

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

func responseFor(path string) (cacheKey, *cachedResponse) {
	k := cacheKey{repo: "r", generation: 1, method: "GET", path: path, query: "x=" + path}
	return k, &cachedResponse{status: 200, body: []byte("<html>" + path + "</html>"), etag: `"e"`,
		headers: []ports.Header{{Name: "Content-Type", Value: "text/html"}}, expires: time.Unix(1<<40, 0)}
}

// TestResponseCacheBoundedUnderDistinctPaths: ever new paths and queries
// keep the cache within its entry and byte bounds, and the entries read all
// along survive the churn.
func TestResponseCacheBoundedUnderDistinctPaths(t *testing.T) {
	c := newResponseCache(500, 1<<20)
	hot, hotResp := responseFor("/hot")
	c.put(hot, hotResp)
	now := time.Unix(0, 0)
	long := strings.Repeat("p", 2000)
	for i := range 20000 {
		c.put(responseFor(long + strconv.Itoa(i)))
		if _, ok := c.get(hot, now); !ok {
			t.Fatalf("hot entry evicted after %d puts", i)
		}
	}
	n, b := c.stats()
	if n > 500 || b > 1<<20 {
		t.Fatalf("%d entries, %d bytes; bounds 500 and 1 MiB", n, b)
	}
	if n >= 500 {
		t.Fatalf("%d entries of >2 KB each cannot fit 1 MiB: bytes not counted", n)
	}
}

// BenchmarkResponseCacheDistinctPaths puts b.N distinct paths through the
// response cache with the dispatcher's default bounds (run with
// -benchtime=1000000x for a million) and reports the heap held afterwards,
// which stays at the bound whatever b.N.
func BenchmarkResponseCacheDistinctPaths(b *testing.B) {
	cfg := Config{}.withDefaults()
	c := newResponseCache(cfg.CacheEntries, cfg.CacheBytes)
	now := time.Unix(0, 0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k, r := responseFor("/npm/r/pkg-" + strconv.Itoa(i))
		if _, ok := c.get(k, now); !ok {
			c.put(k, r)
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	n, bytes := c.stats()
	b.ReportMetric(float64(n), "entries")
	b.ReportMetric(float64(bytes)/(1<<20), "cache-MiB")
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MiB")
}
