package prom

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func scrapeText(t *testing.T, m *Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != 200 {
		t.Fatalf("scrape: %d", w.Code)
	}
	body, _ := io.ReadAll(w.Body)
	p := expfmt.NewTextParser(model.UTF8Validation)
	if _, err := p.TextToMetricFamilies(strings.NewReader(string(body))); err != nil {
		t.Fatalf("scrape does not parse: %v\n%s", err, body)
	}
	return string(body)
}

func TestRequestsAndSourcesAppearInTheScrape(t *testing.T) {
	m := New()
	m.ObserveRequest(Request{Repository: "libs", Format: "npm", Method: "GET", Status: 200, BytesOut: 100, Duration: 3 * time.Millisecond})
	m.ObserveRequest(Request{Repository: "libs", Format: "npm", Method: "GET", Status: 200, BytesOut: 50})
	m.ObserveRequest(Request{Route: "/api/v1/repositories", Method: "BREW", Status: 404, BytesIn: 7})
	m.ObserveUpstream(304, time.Millisecond)
	m.ObserveUpstream(0, time.Second)
	src := Sources{
		Plugins: func() []PluginFigures {
			return []PluginFigures{{Plugin: "npm", Calls: 9, Errors: 2, Traps: 1, Reloads: 3, Instances: 2}}
		},
		Remote: func(context.Context) ([]RemoteFigures, error) {
			return []RemoteFigures{{Repository: "proxy", Hits: 5, Misses: 2, UpstreamFetches: 2}}, nil
		},
		Queues:           func(context.Context) map[string]int { return map[string]int{"search_outbox": 4} },
		JobsRunning:      func(context.Context) (int, error) { return 0, errors.New("database down") },
		DownloadsDropped: func() int64 { return 6 },
		DownloadsWritten: func() int64 { return 60 },
	}
	if err := m.Register(src); err != nil {
		t.Fatal(err)
	}
	text := scrapeText(t, m)
	for _, want := range []string{
		`keeper_http_requests_total{format="npm",method="GET",repository="libs",route="",status="200"} 2`,
		`keeper_http_requests_total{format="",method="OTHER",repository="",route="/api/v1/repositories",status="404"} 1`,
		`keeper_http_response_bytes_total{format="npm",repository="libs"} 150`,
		`keeper_http_request_bytes_total{format="",repository=""} 7`,
		`keeper_http_request_duration_seconds_count{format="npm",method="GET"} 2`,
		`keeper_upstream_requests_total{result="3xx"} 1`,
		`keeper_upstream_requests_total{result="error"} 1`,
		`keeper_plugin_calls_total{plugin="npm"} 9`,
		`keeper_plugin_traps_total{plugin="npm"} 1`,
		`keeper_plugin_reloads_total{plugin="npm"} 3`,
		`keeper_plugin_instances{plugin="npm"} 2`,
		`keeper_remote_cache_hits_total{repository="proxy"} 5`,
		`keeper_remote_cache_misses_total{repository="proxy"} 2`,
		`keeper_queue_depth{queue="search_outbox"} 4`,
		`keeper_metrics_source_errors{source="jobs"} 1`,
		`keeper_download_stats_dropped_total 6`,
		`go_goroutines `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	if strings.Contains(text, "keeper_jobs_running ") {
		t.Error("a failed source still reported a value")
	}
}
