package http_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/egress"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/upstream"
)

type upstreamResult struct {
	Reachable bool   `json:"reachable"`
	Status    int    `json:"status"`
	LatencyMS int64  `json:"latency_ms"`
	Refused   bool   `json:"refused"`
	Message   string `json:"message"`
}

// upstreamServer answers 200 to Basic alice:s3cret-pw and 401 otherwise.
func upstreamServer(t *testing.T) *httptest.Server {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != "s3cret-pw" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(ts.Close)
	return ts
}

func withUpstream(p egress.Policy) func(*httpapi.Deps) {
	return func(d *httpapi.Deps) { d.Upstream = upstream.New(p, upstream.Options{}) }
}

func TestUpstreamTest(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			up := upstreamServer(t)
			e := newEnv(t, dsn(t), 1<<20, withUpstream(egress.Policy{AllowedHosts: []string{"127.0.0.1", "localhost"}}))
			var res upstreamResult
			body := map[string]string{"url": up.URL + "/x", "username": "alice", "password": "s3cret-pw"}
			raw := e.doJSON("POST", "/api/v1/repositories/upstream-test", e.token, body, 200, &res)
			if !res.Reachable || res.Status != 200 || !strings.Contains(res.Message, "200") {
				t.Fatalf("good credentials: %+v", res)
			}
			if bytes.Contains(raw, []byte("s3cret-pw")) {
				t.Fatalf("the password came back: %s", raw)
			}
			body["password"] = "wrong-pw"
			e.doJSON("POST", "/api/v1/repositories/upstream-test", e.token, body, 200, &res)
			if !res.Reachable || res.Status != 401 || !strings.Contains(res.Message, "credentials") {
				t.Fatalf("bad credentials: %+v", res)
			}

			// A remote repository's stored credentials are used, never shown.
			e.createRepo(map[string]any{"key": "rem", "format": "generic", "repo_type": "remote", "upstream_url": up.URL + "/x",
				"config": map[string]string{"upstream_username": "alice", "upstream_password": "s3cret-pw"}})
			raw = e.doJSON("POST", "/api/v1/repositories/rem/upstream/test", e.token, nil, 200, &res)
			if !res.Reachable || res.Status != 200 {
				t.Fatalf("stored credentials: %+v", res)
			}
			if bytes.Contains(raw, []byte("s3cret-pw")) {
				t.Fatalf("the stored password came back: %s", raw)
			}
			e.doJSON("POST", "/api/v1/repositories/rem/upstream/test", e.token, map[string]string{"username": "alice", "password": "nope"}, 200, &res)
			if res.Status != 401 {
				t.Fatalf("body credentials override stored ones: %+v", res)
			}

			// Stored credentials never go to another host (an admin's own server).
			spy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, _, ok := r.BasicAuth(); ok || r.Header.Get("Authorization") != "" {
					t.Errorf("stored credentials sent to another host")
				}
			}))
			defer spy.Close()
			e.doJSON("POST", "/api/v1/repositories/rem/upstream/test", e.token, map[string]string{"url": strings.Replace(spy.URL, "127.0.0.1", "localhost", 1)}, 200, &res)
			// Legacy credentials in the stored URL are used, and not refused as URL credentials.
			e.createRepo(map[string]any{"key": "old", "format": "generic", "repo_type": "remote",
				"upstream_url": strings.Replace(up.URL, "http://", "http://alice:s3cret-pw@", 1) + "/x"})
			raw = e.doJSON("POST", "/api/v1/repositories/old/upstream/test", e.token, nil, 200, &res)
			if res.Status != 200 || bytes.Contains(raw, []byte("s3cret-pw")) {
				t.Fatalf("URL credentials: %+v %s", res, raw)
			}

			// Attacker cases: a non-admin, bad URLs, a local repository.
			_, tok := e.addUser("mallory", nil)
			e.doJSON("POST", "/api/v1/repositories/upstream-test", tok, body, 403, nil)
			e.doJSON("POST", "/api/v1/repositories/rem/upstream/test", tok, nil, 403, nil)
			for _, u := range []string{"", "file:///etc/passwd", "ftp://x/", "/relative", "http://alice:pw@" + strings.TrimPrefix(up.URL, "http://"), "http://x/" + strings.Repeat("a", 3000)} {
				raw := e.doJSON("POST", "/api/v1/repositories/upstream-test", e.token, map[string]string{"url": u}, 400, nil)
				if bytes.Contains(raw, []byte(":pw@")) {
					t.Fatalf("URL credentials echoed: %s", raw)
				}
			}
			e.createRepo(map[string]any{"key": "loc", "format": "generic", "repo_type": "local"})
			e.doJSON("POST", "/api/v1/repositories/loc/upstream/test", e.token, nil, 400, nil)

			var events struct{ Total int }
			e.doJSON("GET", "/api/v1/admin/audit?action=repository.upstream.test", e.token, nil, 200, &events)
			if events.Total != 6 {
				t.Fatalf("%d upstream tests audited, want 6", events.Total)
			}
		})
	}
}

// TestUpstreamTestRefusesPrivate: without an allowance the egress guard
// refuses loopback, and the answer says so without transport internals.
func TestUpstreamTestRefusesPrivate(t *testing.T) {
	up := upstreamServer(t)
	e := newEnv(t, databases(t)["sqlite"](t), 1<<20, withUpstream(egress.Policy{}))
	for _, u := range []string{up.URL + "/x", "http://169.254.169.254/latest/meta-data/", "http://[::1]:1/"} {
		var res upstreamResult
		raw := e.doJSON("POST", "/api/v1/repositories/upstream-test", e.token, map[string]string{"url": u, "token": "tok-secret"}, 200, &res)
		if res.Reachable || !res.Refused || !strings.Contains(res.Message, "egress") {
			t.Fatalf("%s: %+v", u, res)
		}
		if bytes.Contains(raw, []byte("tok-secret")) || bytes.Contains(raw, []byte("dial")) {
			t.Fatalf("%s: leaked %s", u, raw)
		}
	}
	// An unreachable public-looking name fails without a 500 and without internals.
	var res upstreamResult
	raw := e.doJSON("POST", "/api/v1/repositories/upstream-test", e.token, map[string]string{"url": "http://keeper-test.invalid/"}, 200, &res)
	if res.Reachable || strings.Contains(string(raw), "lookup") {
		t.Fatalf("unresolvable: %s", raw)
	}
}
