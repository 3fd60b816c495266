package fuzz

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// BenchmarkDistinctPaths sends b.N GETs for distinct paths (metadata
// documents a plugin renders and misses, on every mount) to a real keeper
// over 8 keep-alive connections, and reports its RSS after the first tenth
// and at the end: every cache keyed by a path is bounded, so the figure
// stays flat whatever b.N, and the benchmark fails when it grew by more
// than KEEPER_FUZZ_RSS_GROWTH_MB (256) after the first tenth. For a million:
//
//	go test ./e2e/fuzz/ -run XXX -bench DistinctPaths -benchtime 1000000x
func BenchmarkDistinctPaths(b *testing.B) {
	k := harness.Start(b, harness.Options{Env: []string{
		"KEEPER_RATE_LIMIT_PER_IP_REQUESTS=0", "KEEPER_RATE_LIMIT_PER_USER_REQUESTS=0", "KEEPER_RATE_LIMIT_BAD_CREDENTIAL_REQUESTS=0",
	}})
	for _, r := range repositories {
		k.CreateRepo(harness.Repo{Key: r[0], Format: r[1], Public: true})
	}
	paths := []string{
		"/npm/npmr/pkg-%d", "/pypi/pyr/simple/pkg-%d/", "/generic/gen/dir/missing-%d.bin", "/go/gor/example.com/m%d/@v/list",
		"/helm/charts/index.yaml?v=%d", "/maven/mvn/org/x/a%d/maven-metadata.xml", "/cargo/crates/3/a/a%d", "/v2/oci/app/manifests/t%d",
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	var next, errs atomic.Int64
	var early atomic.Int64
	n := int64(b.N)
	b.ResetTimer()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= n {
					return
				}
				if i == n/10 {
					early.Store(rss(k.PID()))
				}
				resp, err := hc.Get(k.URL + fmt.Sprintf(paths[i%int64(len(paths))], i))
				if err != nil {
					errs.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					errs.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	end := rss(k.PID())
	b.ReportMetric(float64(early.Load())/(1<<20), "RSS-MiB-at-10%")
	b.ReportMetric(float64(end)/(1<<20), "RSS-MiB-at-end")
	b.ReportMetric(float64(errs.Load()), "errors")
	if errs.Load() > 0 {
		b.Errorf("%d requests failed or answered 5xx", errs.Load())
	}
	if growth := envInt(b, "KEEPER_FUZZ_RSS_GROWTH_MB", 256); early.Load() > 0 && end-early.Load() > growth<<20 {
		b.Errorf("RSS grew from %d MiB at 10%% to %d MiB (bound: %d MiB; KEEPER_FUZZ_RSS_GROWTH_MB)", early.Load()>>20, end>>20, growth)
	}
}
