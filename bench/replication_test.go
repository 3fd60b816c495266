package bench

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// BenchmarkReplication measures replication between two keeper processes
// on loopback (a hub and a peer with an immediate push policy): lag from
// an upload's 201 on the hub to the file's commit on the peer (p50/p99)
// and throughput, for BENCH_REPL_SMALL small artifacts (default 1000,
// 4 KiB) and BENCH_REPL_LARGE large ones (default 5 of BENCH_REPL_LARGE_MIB,
// default 32 MiB); bytes sent against bytes needed when the same bytes are
// uploaded again under other paths (dedup); and the hub's GET latency
// while it replicates against while it is idle. Run with -benchtime=1x:
//
//	go test ./bench/ -run '^$' -bench Replication -benchtime=1x
func BenchmarkReplication(b *testing.B) {
	small := envInt("BENCH_REPL_SMALL", 1000)
	large := envInt("BENCH_REPL_LARGE", 5)
	largeMiB := envInt("BENCH_REPL_LARGE_MIB", 32)
	env := []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true", "KEEPER_REPLICATION_POLL=20ms", "KEEPER_RATE_LIMIT_PER_IP_REQUESTS=0",
		"KEEPER_RATE_LIMIT_PER_USER_REQUESTS=0"}
	for i := 0; i < b.N; i++ {
		hub := harness.Start(b, harness.Options{Env: append([]string{"KEEPER_REPLICATION_NAME=hub"}, env...)})
		peer := harness.Start(b, harness.Options{Env: append([]string{"KEEPER_REPLICATION_NAME=peer"}, env...)})
		tok := peer.APIToken("bench-replication", "admin")
		hub.Expect(http.StatusCreated, http.MethodPost, "/api/v1/peers", harness.JSONBody(map[string]any{
			"name": "peer", "endpoint_url": peer.URL, "api_key": tok}), "Content-Type", "application/json")
		hub.CreateRepo(harness.Repo{Key: "bench", Public: true})
		hub.Expect(http.StatusCreated, http.MethodPost, "/api/v1/sync-policies", harness.JSONBody(map[string]any{
			"name": "all", "repo_selector": map[string]any{"keys": []string{"bench"}}, "peer_selector": map[string]any{"all": true},
			"priority": "immediate"}), "Content-Type", "application/json")
		hub.Upload("bench", "probe.bin", []byte("probe"))

		getLatencies(b, hub, time.Second, nil) // warm up
		idle := getLatencies(b, hub, 10*time.Second, nil)

		bodies := make([][]byte, small)
		for j := range bodies {
			bodies[j] = randomBytes(b, 4096)
		}
		lags, took := replicate(b, hub, peer, "small/", bodies, 4)
		report(b, fmt.Sprintf("%d small (4 KiB)", small), lags, took, int64(small*4096))

		bigs := make([][]byte, large)
		for j := range bigs {
			bigs[j] = randomBytes(b, largeMiB<<20)
		}
		stop := make(chan struct{})
		busyCh := make(chan []time.Duration, 1)
		go func() { busyCh <- getLatencies(b, hub, 0, stop) }()
		lags, took = replicate(b, hub, peer, "large/", bigs, 1)
		close(stop)
		busy := <-busyCh
		report(b, fmt.Sprintf("%d large (%d MiB)", large, largeMiB), lags, took, int64(large*largeMiB<<20))

		before := sentNeeded(b, hub)
		replicate(b, hub, peer, "again/", bodies, 4)
		after := sentNeeded(b, hub)
		b.Logf("dedup: %d small artifacts uploaded again under other paths: bytes needed %d, bytes sent %d",
			small, after[1]-before[1], after[0]-before[0])
		b.Logf("totals: bytes needed %d, bytes sent %d (%.3f)", after[1], after[0], float64(after[0])/float64(max(after[1], 1)))
		pi, pb := pct(idle, 50), pct(busy, 50)
		b.Logf("hub GET of a small artifact: idle p50 %v p99 %v (%d); while replicating large p50 %v p99 %v (%d): p50 %.2f×",
			pi, pct(idle, 99), len(idle), pb, pct(busy, 99), len(busy), float64(pb)/float64(max(pi, 1)))
		b.ReportMetric(float64(pb)/float64(max(pi, 1)), "hub-get-p50-ratio")
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func randomBytes(tb testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return b
}

// replicate uploads bodies under prefix with workers clients, waits until
// the peer lists them all, and returns each artifact's lag (peer commit
// time minus the hub's 201) and the time from the first upload to the last commit.
func replicate(tb testing.TB, hub, peer *harness.Keeper, prefix string, bodies [][]byte, workers int) ([]time.Duration, time.Duration) {
	tb.Helper()
	acked := make([]time.Time, len(bodies))
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				r, err := hub.Upload("bench", prefix+strconv.Itoa(j), bodies[j])
				if err != nil || r.Status != http.StatusCreated {
					tb.Errorf("upload %d: %v %v", j, r, err)
					return
				}
				acked[j] = time.Now()
			}
		}()
	}
	for j := range bodies {
		next <- j
	}
	close(next)
	wg.Wait()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		got := listCreated(tb, peer, prefix)
		if len(got) == len(bodies) {
			lags := make([]time.Duration, 0, len(bodies))
			var last time.Time
			for j := range bodies {
				c := got[prefix+strconv.Itoa(j)]
				lags = append(lags, c.Sub(acked[j]))
				if c.After(last) {
					last = c
				}
			}
			return lags, last.Sub(start)
		}
		if time.Now().After(deadline) {
			tb.Fatalf("peer holds %d of %d after 10 minutes", len(got), len(bodies))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func listCreated(tb testing.TB, k *harness.Keeper, prefix string) map[string]time.Time {
	out := map[string]time.Time{}
	after := ""
	for {
		q := url.Values{"prefix": {prefix}, "after": {after}, "limit": {"1000"}}
		r, err := k.Call(http.MethodGet, "/api/v1/repositories/bench/artifacts?"+q.Encode(), nil)
		if err != nil || r.Status != http.StatusOK {
			return out // not there yet (the repository is created by the first transfer)
		}
		var page struct {
			Items []struct {
				Path      string    `json:"path"`
				CreatedAt time.Time `json:"created_at"`
			} `json:"items"`
			NextAfter string `json:"next_after"`
		}
		if err := r.JSON(&page); err != nil {
			tb.Fatal(err)
		}
		for _, it := range page.Items {
			out[it.Path] = it.CreatedAt
		}
		if page.NextAfter == "" || page.NextAfter == after {
			return out
		}
		after = page.NextAfter
	}
}

// getLatencies GETs the probe artifact from the hub back to back for d, or until stop closes.
func getLatencies(tb testing.TB, hub *harness.Keeper, d time.Duration, stop chan struct{}) []time.Duration {
	var out []time.Duration
	end := time.Now().Add(d)
	for {
		if stop == nil && time.Now().After(end) {
			return out
		}
		if stop != nil {
			select {
			case <-stop:
				return out
			default:
			}
		}
		t0 := time.Now()
		r, err := hub.Download("bench", "probe.bin")
		if err != nil || r.Status != http.StatusOK {
			tb.Errorf("probe GET: %v %v", r, err)
			return out
		}
		out = append(out, time.Since(t0))
		time.Sleep(5 * time.Millisecond)
	}
}

func sentNeeded(tb testing.TB, hub *harness.Keeper) [2]int64 {
	r, err := hub.Call(http.MethodGet, "/api/v1/replication/status", nil)
	if err != nil || r.Status != http.StatusOK {
		tb.Fatalf("status: %v %v", r, err)
	}
	var st struct {
		Peers []struct {
			BytesSent   int64 `json:"bytes_sent"`
			BytesNeeded int64 `json:"bytes_needed"`
		} `json:"peers"`
	}
	if err := r.JSON(&st); err != nil {
		tb.Fatal(err)
	}
	var out [2]int64
	for _, p := range st.Peers {
		out[0] += p.BytesSent
		out[1] += p.BytesNeeded
	}
	return out
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, len(s)*p/100)]
}

func report(b *testing.B, what string, lags []time.Duration, took time.Duration, bytes int64) {
	b.Logf("%s: lag p50 %v p99 %v max %v; %d artifacts in %v = %.1f artifacts/s, %.1f MiB/s",
		what, pct(lags, 50), pct(lags, 99), pct(lags, 100), len(lags), took.Round(time.Millisecond),
		float64(len(lags))/took.Seconds(), float64(bytes)/(1<<20)/took.Seconds())
}
