package remote_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

// headerUpstream answers every path with body and the given header fields.
func headerUpstream(t *testing.T, body string, set func(h http.Header, self string)) *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		set(w.Header(), srv.URL)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func headerMap(hs []ports.Header) map[string][]string {
	m := map[string][]string{}
	for _, h := range hs {
		k := http.CanonicalHeaderKey(h.Name)
		m[k] = append(m[k], h.Value)
	}
	return m
}

// The cache keeps the upstream's own X- fields and replays them on the
// miss that streams the body and on every hit, with URLs under the
// upstream pointing at Keeper; nothing that would set one of Keeper's own
// fields (cookies, CORS, security, forwarding, lengths) survives.
func TestUpstreamHeadersAreKeptAndReplayed(t *testing.T) {
	srv := headerUpstream(t, "payload", func(h http.Header, self string) {
		h.Set("X-Download-Location", self+"/files/a.tgz")
		h.Set("X-Relative-Location", "../files/a.tgz")
		h.Set("X-Elsewhere", "https://files.example.invalid/a.tgz")
		h.Set("X-Go-Getter", "git::https://example.invalid/repo.git")
		h.Set("X-Hop", "secret")
		h.Set("Connection", "X-Hop")
		h.Set("Content-Disposition", "attachment; filename=a.tgz")
		for _, k := range []string{"Set-Cookie", "Access-Control-Allow-Origin", "Strict-Transport-Security",
			"Content-Security-Policy", "X-Forwarded-Host", "X-Keeper-Event", "X-Content-Type-Options",
			"X-Frame-Options", "X-Request-Id", "X-RateLimit-Remaining", "Location", "Cache-Control", "WWW-Authenticate"} {
			h.Set(k, "upstream")
		}
		h.Set("X-Bad\x01", "no")
		h.Set("X-Long", string(bytes.Repeat([]byte("a"), 5000)))
	})
	e := newEnv(t, srv.URL+"/", "generic", upstream.Options{})
	want := map[string][]string{
		"X-Download-Location": {"http://keeper.test/npm/proxy/files/a.tgz"},
		"X-Relative-Location": {"../files/a.tgz"},
		"X-Elsewhere":         {"https://files.example.invalid/a.tgz"},
		"X-Go-Getter":         {"git::https://example.invalid/repo.git"},
		"Content-Disposition": {"attachment; filename=a.tgz"},
	}
	check := func(what string, hs []ports.Header) {
		t.Helper()
		got := headerMap(hs)
		for k, v := range want {
			if !slices.Equal(got[k], v) {
				t.Errorf("%s: %s = %q, want %q", what, k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: %s = %q replayed; it must not be", what, k, got[k])
			}
		}
	}
	var teed []ports.Header
	var client bytes.Buffer
	res, err := e.svc.Get(context.Background(), remote.Request{Repo: e.repo, PluginID: "p", Path: "/doc",
		LocalBase: "http://keeper.test/npm/proxy"}, func(_ string, _ int64, _ string, hs []ports.Header) io.Writer {
		teed = hs
		return &client
	})
	if err != nil || !res.Streamed || client.String() != "payload" {
		t.Fatalf("miss: %+v %v %q", res, err, client.String())
	}
	check("miss (streamed)", teed)
	check("hit", e.mustGet(t, "/doc", "payload").Headers)

	// A file host the repository may fetch from is reached through ~ext.
	e.repo.Config[remote.ConfigFileHosts] = "files.example.invalid"
	want["X-Elsewhere"] = []string{"http://keeper.test/npm/proxy/~ext/https/files.example.invalid/a.tgz"}
	check("hit with file host", e.mustGet(t, "/doc", "payload").Headers)
}

// A rewritten document keeps the protocol's fields but not those about
// the upstream's bytes (its date, name, checksums); the fake rewrite adds
// its own Content-Version (pluginFields).
func TestRewrittenDocumentDropsByteFields(t *testing.T) {
	srv := headerUpstream(t, `{"a":1}`, func(h http.Header, _ string) {
		h.Set("X-Protocol", "v2")
		h.Set("X-Body-Sha512", "abc")
		h.Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		h.Set("Content-Disposition", "attachment")
	})
	e := newEnv(t, srv.URL, "npm", upstream.Options{})
	for _, what := range []string{"miss", "hit"} {
		res := e.mustGet(t, "/doc", `{"a":1}`)
		got := headerMap(res.Headers)
		if len(got) != 2 || !slices.Equal(got["X-Protocol"], []string{"v2"}) || !slices.Equal(got["Content-Version"], []string{"1"}) {
			t.Fatalf("%s: rewritten document headers %v, want only X-Protocol and Content-Version", what, got)
		}
	}
}

// A 304 carrying a kept field updates the stored one (RFC 9111 §4.3.4).
func TestRevalidationUpdatesKeptHeaders(t *testing.T) {
	gen := "1"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Generation", gen)
		if r.Header.Get("If-None-Match") == `"v"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v"`)
		_, _ = io.WriteString(w, "doc")
	}))
	t.Cleanup(srv.Close)
	e := newEnv(t, srv.URL, "generic", upstream.Options{})
	if got := headerMap(e.mustGet(t, "/doc", "doc").Headers)["X-Generation"]; !slices.Equal(got, []string{"1"}) {
		t.Fatalf("first: %q", got)
	}
	gen = "2"
	e.clock.advance(11 * 60e9)
	if got := headerMap(e.mustGet(t, "/doc", "doc").Headers)["X-Generation"]; !slices.Equal(got, []string{"2"}) {
		t.Fatalf("after the 304: %q, want 2", got)
	}
}
