package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// scrape reads /metrics with the Prometheus text parser.
func scrape(t *testing.T, k *harness.Keeper, header ...string) map[string]*dto.MetricFamily {
	t.Helper()
	r := k.Expect(http.StatusOK, http.MethodGet, "/metrics", nil, append([]string{"Authorization", ""}, header...)...)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, r.Body)
	}
	return fams
}

// sample returns the value of the sample of name whose labels include want
// (summed over the others), and whether any matched.
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
	var sum float64
	found := false
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum, found
}

// Downloads through the generic format's own route and the API move the
// request counters of /metrics (read with the Prometheus parser from an
// allowed network) and reach the download statistics in their batch, per
// artifact, user and day; HEAD and misses are not downloads.
func TestMetricsAndDownloadStatistics(t *testing.T) {
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "files", Public: true})
		data := content(17, 4096)
		k.Expect(http.StatusCreated, http.MethodPut, "/generic/files/dir/a.bin", bytes.NewReader(data))

		before := scrape(t, k)
		for range 3 {
			k.Expect(http.StatusOK, http.MethodGet, "/generic/files/dir/a.bin", nil)
		}
		k.Expect(http.StatusOK, http.MethodGet, "/generic/files/dir/a.bin", nil, "Authorization", "") // anonymous
		k.Expect(http.StatusOK, http.MethodGet, "/api/v1/repositories/files/download/dir/a.bin", nil)
		k.Expect(http.StatusOK, http.MethodHead, "/generic/files/dir/a.bin", nil)
		k.Expect(http.StatusNotFound, http.MethodGet, "/generic/files/dir/missing.bin", nil)
		after := scrape(t, k)

		gets := map[string]string{"repository": "files", "format": "generic", "method": "GET", "status": "200"}
		b, _ := sample(before, "keeper_http_requests_total", gets)
		a, ok := sample(after, "keeper_http_requests_total", gets)
		if !ok || a-b != 4 {
			t.Errorf("keeper_http_requests_total%v moved by %v (present %v), want 4", gets, a-b, ok)
		}
		b, _ = sample(before, "keeper_http_response_bytes_total", map[string]string{"repository": "files"})
		a, _ = sample(after, "keeper_http_response_bytes_total", map[string]string{"repository": "files"})
		if a-b < 4*float64(len(data)) {
			t.Errorf("response bytes of files moved by %v, want at least %d", a-b, 4*len(data))
		}
		if n, ok := sample(after, "keeper_http_request_duration_seconds", map[string]string{"format": "generic", "method": "GET"}); !ok || n < 4 {
			t.Errorf("duration histogram of generic GETs has %v samples (present %v)", n, ok)
		}
		if n, _ := sample(after, "keeper_plugin_calls_total", map[string]string{"plugin": "generic"}); n < 1 {
			t.Errorf("keeper_plugin_calls_total{plugin=generic} = %v after an upload through the plugin", n)
		}
		for _, name := range []string{"go_sql_max_open_connections", "keeper_queue_depth", "keeper_jobs_running", "go_goroutines",
			"keeper_download_stats_dropped_total"} {
			if _, ok := after[name]; !ok {
				t.Errorf("%s is missing from /metrics", name)
			}
		}
		// No raw path becomes a label value.
		r := k.Expect(http.StatusOK, http.MethodGet, "/metrics", nil, "Authorization", "")
		if strings.Contains(string(r.Body), "missing.bin") || strings.Contains(string(r.Body), "dir/a.bin") {
			t.Error("/metrics carries a request path")
		}

		// The statistics arrive within a few flushes.
		var rows struct {
			Rows []struct {
				Day, Repository, Path, User string
				Downloads, Bytes            int64
			} `json:"rows"`
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			k.Expect(http.StatusOK, http.MethodGet, "/api/v1/stats/downloads/top?repository=files", nil).JSON(&rows)
			if len(rows.Rows) == 1 && rows.Rows[0].Downloads == 5 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("top downloads = %+v, want dir/a.bin 5 times", rows.Rows)
			}
			time.Sleep(200 * time.Millisecond)
		}
		if r := rows.Rows[0]; r.Path != "dir/a.bin" || r.Bytes != 5*int64(len(data)) {
			t.Fatalf("top row %+v", r)
		}
		k.Expect(http.StatusOK, http.MethodGet, "/api/v1/stats/downloads?group_by=user", nil).JSON(&rows)
		byUser := map[string]int64{}
		for _, r := range rows.Rows {
			byUser[r.User] = r.Downloads
		}
		if fmt.Sprint(byUser) != "map[:1 admin:4]" {
			t.Errorf("by user = %v, want admin 4 and anonymous 1", byUser)
		}
		k.Expect(http.StatusOK, http.MethodGet, "/api/v1/stats/downloads", nil).JSON(&rows)
		today := time.Now().UTC().Format(time.DateOnly)
		if len(rows.Rows) != 1 || rows.Rows[0].Day != today || rows.Rows[0].Downloads != 5 {
			t.Errorf("by day = %+v, want %s: 5", rows.Rows, today)
		}
		k.Expect(http.StatusUnauthorized, http.MethodGet, "/api/v1/stats/downloads", nil, "Authorization", "")
	})
}

// With an OTLP endpoint in the environment, requests are traced: the
// spans reach the collector over OTLP/HTTP, carrying the service name.
func TestTracesGoToTheOTLPEndpoint(t *testing.T) {
	var mu sync.Mutex
	var posts [][]byte
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodPost && r.URL.Path == "/v1/traces" {
			mu.Lock()
			posts = append(posts, body)
			mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	k := harness.Start(t, harness.Options{Env: []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + collector.URL, "OTEL_BSP_SCHEDULE_DELAY=100"}})
	k.Expect(http.StatusOK, http.MethodGet, "/api/v1/repositories", nil, "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		got := bytes.Join(posts, nil)
		mu.Unlock()
		traceID := []byte{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6}
		if bytes.Contains(got, []byte("keeper")) && bytes.Contains(got, traceID) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no span of the caller's trace reached the collector (%d posts)", len(posts))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
