package http_test

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/core/policy"
	dlstats "github.com/keeper-registry/keeper/core/stats"
	"github.com/keeper-registry/keeper/ports"
)

var scrapeOK = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("keeper_up 1\n")) })

// /metrics admits an allowed network or the bearer token, judged on the
// connection's peer: X-Forwarded-For counts only from a trusted proxy, and
// a Keeper credential is no metrics token.
func TestMetricsAccess(t *testing.T) {
	loopback, _ := httpapi.ParseNetworks([]string{"127.0.0.1"})
	tenNet, _ := httpapi.ParseNetworks([]string{"10.0.0.0/8"})
	for _, c := range []struct {
		name    string
		access  httpapi.MetricsAccess
		proxies []string
		header  []string
		want    int
	}{
		{"peer in the allowed networks", httpapi.MetricsAccess{Networks: loopback}, nil, nil, 200},
		{"peer outside, no token configured", httpapi.MetricsAccess{Networks: tenNet}, nil, nil, 403},
		{"nothing configured admits nobody", httpapi.MetricsAccess{}, nil, nil, 403},
		{"forwarded address from an untrusted peer is ignored", httpapi.MetricsAccess{Networks: tenNet}, nil,
			[]string{"X-Forwarded-For", "10.1.2.3"}, 403},
		{"forwarded address from a trusted proxy counts", httpapi.MetricsAccess{Networks: tenNet}, []string{"127.0.0.1/32"},
			[]string{"X-Forwarded-For", "10.1.2.3"}, 200},
		{"peer outside, token missing", httpapi.MetricsAccess{Token: "s3cret", Networks: tenNet}, nil, nil, 401},
		{"peer outside, wrong token", httpapi.MetricsAccess{Token: "s3cret", Networks: tenNet}, nil,
			[]string{"Authorization", "Bearer s3cre"}, 401},
		{"peer outside, right token", httpapi.MetricsAccess{Token: "s3cret", Networks: tenNet}, nil,
			[]string{"Authorization", "Bearer s3cret"}, 200},
		{"a token on an allowed network must still be right", httpapi.MetricsAccess{Token: "s3cret", Networks: loopback}, nil,
			[]string{"Authorization", "Bearer nope"}, 401},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, filepath.Join(t.TempDir(), "k.db"), 1<<20, func(d *httpapi.Deps) {
				d.Observe.Metrics, d.Observe.MetricsAccess, d.TrustedProxies = scrapeOK, c.access, c.proxies
			})
			resp, body := e.do("GET", "/metrics", "", nil, c.header...)
			if resp.StatusCode != c.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.want, body)
			}
			if c.want == 200 && string(body) != "keeper_up 1\n" {
				t.Fatalf("body %q", body)
			}
			if c.want != 200 {
				errorCode(t, body) // the API's JSON error body
			}
		})
	}
	t.Run("an admin session is no metrics token", func(t *testing.T) {
		e := newEnv(t, filepath.Join(t.TempDir(), "k.db"), 1<<20, func(d *httpapi.Deps) {
			d.Observe.Metrics, d.Observe.MetricsAccess = scrapeOK, httpapi.MetricsAccess{Token: "s3cret", Networks: tenNet}
		})
		if resp, _ := e.do("GET", "/metrics", e.token, nil); resp.StatusCode != 401 {
			t.Fatalf("admin session: status %d", resp.StatusCode)
		}
	})
}

// An incoming X-Request-Id is kept only when it is a short safe token.
func TestRequestIDFromClient(t *testing.T) {
	gin.SetMode(gin.TestMode)
	e := newEnv(t, filepath.Join(t.TempDir(), "k.db"), 1<<20)
	for _, c := range []struct {
		in   string
		keep bool
	}{
		{"abc-123_x.y:z", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"has space", false},
		{"<script>", false},
		{"a\"b", false},
	} {
		resp, _ := e.do("GET", "/health", "", nil, "X-Request-Id", c.in)
		got := resp.Header.Get("X-Request-Id")
		if (got == c.in) != c.keep || got == "" {
			t.Errorf("incoming %q: answered %q, keep=%v", c.in, got, c.keep)
		}
	}
}

// observed collects request figures.
type observed struct {
	mu   sync.Mutex
	reqs []httpapi.RequestInfo
}

func (o *observed) ObserveRequest(i httpapi.RequestInfo) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.reqs = append(o.reqs, i)
}

// Downloads through the API are counted once per GET answered with the
// content (not HEAD, not 304, not a miss) and reach the statistics API,
// where each caller sees only the repositories it may read and only
// admins see who downloaded.
func TestDownloadStatisticsAPI(t *testing.T) {
	eachDBOpts(t, func(t *testing.T, e *env, rec *dlstats.Recorder, obs *observed) {
		e.createRepo(map[string]any{"key": "libs", "format": "generic"})
		e.createRepo(map[string]any{"key": "secret", "format": "generic"})
		for _, p := range []string{"libs/b.bin", "secret/a/x.bin"} {
			repo, path, _ := strings.Cut(p, "/")
			resp, data := e.do("PUT", "/api/v1/repositories/"+repo+"/artifacts/"+path, e.token, bytes.NewReader([]byte("0123456789")))
			if resp.StatusCode != 201 {
				t.Fatalf("upload: %d %s", resp.StatusCode, data)
			}
		}
		e.putPolicy(append(policy.Defaults(), ports.PolicyRule{Kind: "p", Subject: "user:carol", Object: "libs", Action: "read"}))
		_, carol := e.addUser("carol", nil)

		for range 2 {
			e.do("GET", "/api/v1/repositories/libs/download/b.bin", carol, nil)
		}
		e.do("GET", "/api/v1/repositories/secret/download/a/x.bin", e.token, nil)
		e.do("HEAD", "/api/v1/repositories/libs/download/b.bin", carol, nil)
		e.do("GET", "/api/v1/repositories/libs/download/missing.bin", carol, nil)
		r, _ := e.do("GET", "/api/v1/repositories/libs/download/b.bin", carol, nil)
		e.do("GET", "/api/v1/repositories/libs/download/b.bin", carol, nil, "If-None-Match", r.Header.Get("ETag")) // 304
		if err := rec.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if rec.Written() != 4 {
			t.Fatalf("downloads written = %d, want 4 (3 of libs, 1 of secret)", rec.Written())
		}

		type result struct {
			GroupBy, From, To string `json:"-"`
			Rows              []ports.DownloadRow
		}
		var got result
		e.doJSON("GET", "/api/v1/stats/downloads/top", carol, nil, 200, &got)
		if len(got.Rows) != 1 || got.Rows[0] != (ports.DownloadRow{Repository: "libs", Path: "b.bin", Downloads: 3, Bytes: 30}) {
			t.Fatalf("carol's top = %+v, want libs/b.bin only", got.Rows)
		}
		e.doJSON("GET", "/api/v1/stats/downloads/top", e.token, nil, 200, &got)
		if len(got.Rows) != 2 {
			t.Fatalf("admin's top = %+v, want both repositories", got.Rows)
		}
		e.doJSON("GET", "/api/v1/stats/downloads?group_by=user&repository=libs", e.token, nil, 200, &got)
		if len(got.Rows) != 1 || got.Rows[0].User != "carol" || got.Rows[0].Downloads != 3 {
			t.Fatalf("by user = %+v", got.Rows)
		}
		for _, c := range []struct {
			path string
			want int
		}{
			{"/api/v1/stats/downloads?group_by=user", 403},
			{"/api/v1/stats/downloads?repository=secret", 404},
			{"/api/v1/stats/downloads?repository=nope", 404},
			{"/api/v1/stats/downloads?group_by=path", 400},
			{"/api/v1/stats/downloads?from=yesterday", 400},
			{"/api/v1/stats/downloads?from=2026-12-02&to=2026-12-01", 400},
			{"/api/v1/stats/downloads?limit=0", 400},
			{"/api/v1/stats/downloads?limit=1001", 400},
		} {
			resp, data := e.do("GET", c.path, carol, nil)
			if resp.StatusCode != c.want {
				t.Errorf("%s: %d, want %d: %s", c.path, resp.StatusCode, c.want, data)
			} else {
				errorCode(t, data)
			}
		}
		if resp, _ := e.do("GET", "/api/v1/stats/downloads", "", nil); resp.StatusCode != 401 {
			t.Errorf("anonymous: %d", resp.StatusCode)
		}

		// The request observer saw the uploads' bytes and the downloads.
		obs.mu.Lock()
		defer obs.mu.Unlock()
		var in, out int64
		for _, i := range obs.reqs {
			if i.Route == "/api/v1/repositories/:key/artifacts/*path" && i.Method == "PUT" {
				in += i.BytesIn
			}
			if i.Route == "/api/v1/repositories/:key/download/*path" && i.Status == 200 {
				out += i.BytesOut
			}
		}
		if in != 20 || out < 30 {
			t.Errorf("observed bytes in %d (want 20), out %d (want ≥ 30)", in, out)
		}
	})
}

// eachDBOpts is eachDB with a download recorder (flushed by hand) and a
// request observer wired in.
func eachDBOpts(t *testing.T, fn func(t *testing.T, e *env, rec *dlstats.Recorder, obs *observed)) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			var rec *dlstats.Recorder
			obs := &observed{}
			e := newEnv(t, dsn(t), 1<<30, func(d *httpapi.Deps) {
				store := d.Stats.(ports.DownloadStats) // the bunstore the harness opened
				rec = dlstats.New(store, dlstats.Options{})
				d.Observe.Requests, d.Observe.Downloads, d.Observe.DownloadStats = obs, rec, store
			})
			fn(t, e, rec, obs)
		})
	}
}
