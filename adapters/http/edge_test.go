package http_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/ports"
)

// rawGet sends a GET with an explicit Host header and extra headers.
func rawGet(t *testing.T, base, path, host, token string, hdr ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func fixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../plugins/" + path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHostHeaderCannotPoisonMetadata replays issue 20.2: an anonymous
// request with Host: evil.example must not change what another user's npm
// packument, PyPI simple page, Helm index or Maven metadata points at — not
// through the cache and not in the attacker's own answer. A trusted proxy's
// X-Forwarded-Host is honoured and cached apart; anyone else's is ignored.
func TestHostHeaderCannotPoisonMetadata(t *testing.T) {
	var trusted []string
	e := newPlugEnv(t, func(d *httpapi.Deps) { d.TrustedProxies = trusted })
	ctx := t.Context()
	for _, f := range []string{"npm", "pypi", "helm", "maven"} {
		r := ports.Repository{Key: f + "-pub", Name: f, Format: f, Type: ports.RepoLocal, IsPublic: true, Config: map[string]string{}}
		if err := e.store.CreateRepository(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	resp, body := e.req("PUT", "/npm/npm-pub/hello-keeper", e.token, bytes.NewReader(fixture(t, "npm/testdata/publish-hello.json")), "Content-Type", "application/json")
	e.want(resp, body, http.StatusCreated)
	ct := strings.TrimSpace(string(fixture(t, "pypi/testdata/uploads/keeper_demo-1.0.0.tar.gz.content-type")))
	resp, body = e.req("POST", "/pypi/pypi-pub/", e.token, bytes.NewReader(fixture(t, "pypi/testdata/uploads/keeper_demo-1.0.0.tar.gz.body")), "Content-Type", ct)
	e.want(resp, body, http.StatusOK)
	resp, body = e.req("POST", "/helm/helm-pub/api/charts", e.token, bytes.NewReader(fixture(t, "helm/testdata/keeper-demo-0.1.0.tgz")), "Content-Type", "application/gzip")
	e.want(resp, body, http.StatusCreated)
	pom := `<project><modelVersion>4.0.0</modelVersion><groupId>com.example</groupId><artifactId>demo</artifactId><version>1.0</version></project>`
	resp, body = e.req("PUT", "/maven/maven-pub/com/example/demo/1.0/demo-1.0.pom", e.token, strings.NewReader(pom))
	e.want(resp, body, http.StatusCreated)

	own := strings.TrimPrefix(e.url, "http://")
	docs := []struct{ name, path, accept string }{
		{"npm packument", "/npm/npm-pub/hello-keeper", ""},
		{"npm abbreviated", "/npm/npm-pub/hello-keeper", "application/vnd.npm.install-v1+json"},
		{"pypi simple", "/pypi/pypi-pub/simple/keeper-demo/", ""},
		{"pypi json", "/pypi/pypi-pub/pypi/keeper-demo/json", ""},
		{"helm index", "/helm/helm-pub/index.yaml", ""},
		{"maven metadata", "/maven/maven-pub/com/example/demo/maven-metadata.xml", ""},
	}
	for _, d := range docs {
		t.Run(d.name, func(t *testing.T) {
			status, attacked := rawGet(t, e.url, d.path, "evil.example", "", "Accept", d.accept, "X-Forwarded-Host", "evil.example")
			if status != http.StatusOK || strings.Contains(attacked, "evil.example") {
				t.Fatalf("attacker's own answer (%d) points at the Host: %.300s", status, attacked)
			}
			status, victim := rawGet(t, e.url, d.path, "", e.token, "Accept", d.accept)
			if status != http.StatusOK || strings.Contains(victim, "evil.example") {
				t.Fatalf("victim's answer (%d) poisoned: %.300s", status, victim)
			}
			if d.name != "maven metadata" && !strings.Contains(victim, own) {
				t.Fatalf("links do not point at the server (%s): %.300s", own, victim)
			}
		})
	}

	t.Run("trusted proxy", func(t *testing.T) {
		trusted = []string{"127.0.0.0/8", "::1"}
		e2 := newPlugEnv(t, func(d *httpapi.Deps) { d.TrustedProxies = trusted })
		r := ports.Repository{Key: "npm-pub", Name: "npm", Format: "npm", Type: ports.RepoLocal, IsPublic: true, Config: map[string]string{}}
		if err := e2.store.CreateRepository(ctx, &r); err != nil {
			t.Fatal(err)
		}
		resp, body := e2.req("PUT", "/npm/npm-pub/hello-keeper", e2.token, bytes.NewReader(fixture(t, "npm/testdata/publish-hello.json")), "Content-Type", "application/json")
		e2.want(resp, body, http.StatusCreated)
		_, viaProxy := rawGet(t, e2.url, "/npm/npm-pub/hello-keeper", "", "", "X-Forwarded-Host", "registry.example", "X-Forwarded-Proto", "https")
		if !strings.Contains(viaProxy, "https://registry.example/npm/npm-pub/") {
			t.Fatalf("forwarded host ignored: %.300s", viaProxy)
		}
		_, direct := rawGet(t, e2.url, "/npm/npm-pub/hello-keeper", "", "")
		if strings.Contains(direct, "registry.example") || !strings.Contains(direct, strings.TrimPrefix(e2.url, "http://")) {
			t.Fatalf("the forwarded answer was served to a direct client: %.300s", direct)
		}
		_, bad := rawGet(t, e2.url, "/npm/npm-pub/hello-keeper", "", "", "X-Forwarded-Host", "evil.example/x@y")
		if strings.Contains(bad, "evil.example") {
			t.Fatalf("a malformed forwarded host was used: %.300s", bad)
		}
	})
}

// TestSecurityHeaders: nosniff and the CSP on every answer (API, format
// routes, errors), and stored active content served as a typed attachment.
func TestSecurityHeaders(t *testing.T) {
	e := newPlugEnv(t)
	ctx := t.Context()
	r := ports.Repository{Key: "files", Name: "files", Format: "generic", Type: ports.RepoLocal, IsPublic: true, Config: map[string]string{}}
	if err := e.store.CreateRepository(ctx, &r); err != nil {
		t.Fatal(err)
	}
	page := "<html><script>alert(document.cookie)</script></html>"
	for _, c := range []struct{ path, ct string }{
		{"/generic/files/x.html", "text/html"},
		{"/generic/files/x.svg", "image/svg+xml"},
		{"/generic/files/pkg.tgz", "text/html"},
		{"/generic/files/notes", "application/x-www-form-urlencoded"},
	} {
		resp, body := e.req("PUT", c.path, e.token, strings.NewReader(page), "Content-Type", c.ct)
		e.want(resp, body, http.StatusCreated)
	}
	cases := []struct {
		path, wantType string
		attachment     bool
	}{
		{"/generic/files/x.html", "text/html", true},
		{"/generic/files/x.svg", "image/svg+xml", true},
		{"/generic/files/pkg.tgz", "application/", false}, // the name's type (or octet-stream), never the uploader's text/html
		{"/generic/files/notes", "application/octet-stream", false},
	}
	for _, c := range cases {
		resp, body := e.req("GET", c.path, "", nil)
		e.want(resp, body, http.StatusOK)
		h := resp.Header
		if !strings.HasPrefix(h.Get("Content-Type"), c.wantType) || strings.Contains(h.Get("Content-Type"), "html") && c.path == "/generic/files/pkg.tgz" {
			t.Errorf("%s: Content-Type %q, want %q", c.path, h.Get("Content-Type"), c.wantType)
		}
		if got := strings.HasPrefix(h.Get("Content-Disposition"), "attachment"); got != c.attachment {
			t.Errorf("%s: Content-Disposition %q", c.path, h.Get("Content-Disposition"))
		}
	}
	for _, p := range []string{"/generic/files/x.html", "/api/v1/repositories", "/nope", "/api/v1/nope", "/health"} {
		resp, _ := e.req("GET", p, "", nil)
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("%s: headers %v", p, resp.Header)
		}
	}
}

// TestSlowAndShortBodies: on a format mount a body that trickles in or
// stalls is cut off with 408 (400 from the dispatcher), a body shorter
// than its Content-Length is 400 or a quiet close, never 500, and nothing
// is stored (issues 20.16, 23.3).
func TestSlowAndShortBodies(t *testing.T) {
	e := newPlugEnv(t, func(d *httpapi.Deps) {
		d.Body = httpapi.BodyLimits{IdleTimeout: 700 * time.Millisecond, MinBytesPerSecond: 100, Grace: 300 * time.Millisecond}
	})
	ctx := t.Context()
	r := ports.Repository{Key: "files", Name: "files", Format: "generic", Type: ports.RepoLocal, IsPublic: true, Config: map[string]string{}}
	if err := e.store.CreateRepository(ctx, &r); err != nil {
		t.Fatal(err)
	}
	bodyCases(t, strings.TrimPrefix(e.url, "http://"), "/generic/files/a.bin", e.token, true)
	if _, err := e.store.GetFile(ctx, r.ID, "a.bin"); err == nil {
		t.Fatal("a.bin was stored from a broken body")
	}
}

// TestSlowAndShortBodiesREST: the same on the REST artifacts API, and an
// early refusal (no credentials) reaches a client that trickles its body
// at once instead of after the server drained it.
func TestSlowAndShortBodiesREST(t *testing.T) {
	e := newEnv(t, databases(t)["sqlite"](t), 1<<30, func(d *httpapi.Deps) {
		d.Body = httpapi.BodyLimits{IdleTimeout: 700 * time.Millisecond, MinBytesPerSecond: 100, Grace: 300 * time.Millisecond}
	})
	e.createRepo(map[string]any{"key": "files", "format": "generic"})
	addr := strings.TrimPrefix(e.url, "http://")
	// The API test server answers through an OpenAPI-validating recorder,
	// which cannot set read deadlines: the idle case runs on the mount test.
	bodyCases(t, addr, "/api/v1/repositories/files/artifacts/a.bin", e.token, false)
	start := time.Now()
	status := rawExchange(t, addr, "PUT /api/v1/repositories/files/artifacts/b.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", 250*time.Millisecond, false)
	if status != http.StatusUnauthorized || time.Since(start) > 5*time.Second {
		t.Fatalf("early refusal: %d after %v", status, time.Since(start))
	}
	if resp, data := e.do("GET", "/api/v1/repositories/files/artifacts", e.token, nil); !strings.Contains(string(data), `"items":[]`) {
		t.Fatalf("something was stored: %d %s", resp.StatusCode, data)
	}
}

func bodyCases(t *testing.T, addr, path, token string, idle bool) {
	head := "PUT " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n"
	t.Run("short", func(t *testing.T) {
		status := rawExchange(t, addr, head+"Content-Length: 100\r\n\r\nonly-ten-b", 0, true)
		if status != 0 && status != http.StatusBadRequest {
			t.Fatalf("status %d, want 400 or a quiet close", status)
		}
	})
	t.Run("slow", func(t *testing.T) {
		// One byte every 250 ms: 4 B/s, well under the 100 B/s minimum.
		start := time.Now()
		status := rawExchange(t, addr, head+"Content-Length: 1000\r\n\r\n", 250*time.Millisecond, false)
		if status != http.StatusRequestTimeout && status != http.StatusBadRequest {
			t.Fatalf("status %d, want 408/400", status)
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("the slow body was accepted for %v", time.Since(start))
		}
	})
	if idle {
		t.Run("idle", func(t *testing.T) {
			status := rawExchange(t, addr, head+"Content-Length: 1000\r\n\r\nab", -1, false)
			if status != http.StatusRequestTimeout && status != http.StatusBadRequest {
				t.Fatalf("status %d, want 408/400", status)
			}
		})
	}
}

// rawExchange writes head on a raw connection. closeWrite ends the body
// early; trickle > 0 then sends one byte per interval until the server
// answers; trickle < 0 sends nothing more. It returns the status, or 0 when
// the server closed without answering.
func rawExchange(t *testing.T, addr, head string, trickle time.Duration, closeWrite bool) int {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	if closeWrite {
		_ = conn.(*net.TCPConn).CloseWrite()
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if trickle > 0 {
		go func() {
			for ctx.Err() == nil {
				if _, err := conn.Write([]byte("x")); err != nil {
					return
				}
				time.Sleep(trickle)
			}
		}()
	}
	_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	buf := make([]byte, 64)
	n, _ := io.ReadAtLeast(conn, buf, 12)
	if n < 12 {
		return 0
	}
	var status int
	for _, c := range string(buf[9:12]) {
		status = status*10 + int(c-'0')
	}
	return status
}
