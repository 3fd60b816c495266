package http_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	httpapi "github.com/keeper-registry/keeper/adapters/http"
	dlstats "github.com/keeper-registry/keeper/core/stats"
	"github.com/keeper-registry/keeper/ports"
)

// switchedRecorder passes downloads to the recorder only while on.
type switchedRecorder struct {
	on  atomic.Bool
	rec *dlstats.Recorder
}

func (s *switchedRecorder) Record(d dlstats.Download) {
	if s.on.Load() {
		s.rec.Record(d)
	}
}

// BenchmarkDownloadStatsCost measures what download statistics cost a
// download: one server over SQLite serving a 4 KiB file to 4 keep-alive
// clients, rounds of 500 downloads alternating statistics off and on (the
// recorder flushing every second to the database, as in production), so
// both see the same machine load. It reports ns per download for each and
// the overhead in percent (target ≤ 2 %).
//
//	go test ./adapters/http/ -run '^$' -bench DownloadStatsCost -benchtime 20x
func BenchmarkDownloadStatsCost(b *testing.B) {
	sw := &switchedRecorder{}
	e := newEnv(b, filepath.Join(b.TempDir(), "k.db"), 1<<20, func(d *httpapi.Deps) {
		store := d.Stats.(ports.DownloadStats)
		sw.rec = dlstats.New(store, dlstats.Options{})
		d.Observe.Downloads, d.Observe.DownloadStats = sw, store
	})
	sw.rec.Start()
	defer sw.rec.Stop(context.Background())
	e.createRepo(map[string]any{"key": "libs", "format": "generic", "is_public": true})
	const files = 50
	for i := range files {
		resp, data := e.do("PUT", fmt.Sprintf("/api/v1/repositories/libs/artifacts/f/%d.bin", i), e.token, bytes.NewReader(randomBytes(4096)))
		if resp.StatusCode != 201 {
			b.Fatalf("upload: %d %s", resp.StatusCode, data)
		}
	}
	ts := httptest.NewServer(e.server.Handler()) // without the test's OpenAPI validation
	defer ts.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	const workers, perRound = 4, 500
	round := func() time.Duration {
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for range workers {
			wg.Go(func() {
				for {
					n := next.Add(1)
					if n > perRound {
						return
					}
					resp, err := client.Get(fmt.Sprintf("%s/api/v1/repositories/libs/download/f/%d.bin", ts.URL, n%files))
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	round() // warm connections and caches
	var off, on time.Duration
	b.ResetTimer()
	for i := range b.N {
		// Alternate which goes first so drift in load favours neither.
		first := i%2 == 0
		sw.on.Store(first)
		d1 := round()
		sw.on.Store(!first)
		d2 := round()
		if first {
			on, off = on+d1, off+d2
		} else {
			off, on = off+d1, on+d2
		}
	}
	b.StopTimer()
	n := float64(b.N * perRound)
	b.ReportMetric(float64(off.Nanoseconds())/n, "ns/download-off")
	b.ReportMetric(float64(on.Nanoseconds())/n, "ns/download-on")
	b.ReportMetric(100*(float64(on)-float64(off))/float64(off), "overhead-%")
	if sw.rec.Written() == 0 && b.N > 0 {
		b.Fatal("no download was written: statistics were not on")
	}
}
