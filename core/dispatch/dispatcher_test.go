package dispatch_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/ports"
)

func hexSum(b []byte) (s256, s1, m5, s512 string) {
	a := sha256.Sum256(b)
	c := sha1.Sum(b)
	d := md5.Sum(b)
	e := sha512.Sum512(b)
	return hex.EncodeToString(a[:]), hex.EncodeToString(c[:]), hex.EncodeToString(d[:]), hex.EncodeToString(e[:])
}

func TestFastPathServesStoredFiles(t *testing.T) {
	e := newEnv(t)
	content := []byte("0123456789abcdefghij")
	wantStatus(t, e.do(&admin, http.MethodPut, "/demo/pub/dir/a.txt", content), http.StatusCreated)
	calls := e.rt.Calls.Load()
	s256, _, _, _ := hexSum(content)
	etag := `"` + s256 + `"`

	t.Run("full GET", func(t *testing.T) {
		w := e.do(nil, http.MethodGet, "/demo/pub/dir/a.txt", nil)
		wantStatus(t, w, 200)
		if w.Body.String() != string(content) {
			t.Fatalf("body = %q", w.Body.String())
		}
		if got := w.Header().Get("ETag"); got != etag {
			t.Fatalf("ETag = %q, want %q", got, etag)
		}
		if w.Header().Get("Content-Type") != "text/plain" || w.Header().Get("Content-Length") != strconv.Itoa(len(content)) {
			t.Fatalf("headers = %v", w.Header())
		}
		if w.Header().Get("Last-Modified") == "" {
			t.Fatal("no Last-Modified")
		}
	})
	t.Run("Range", func(t *testing.T) {
		w := e.do(nil, http.MethodGet, "/demo/pub/dir/a.txt", nil, "Range", "bytes=5-9")
		wantStatus(t, w, http.StatusPartialContent)
		if w.Body.String() != "56789" || w.Header().Get("Content-Range") != "bytes 5-9/20" {
			t.Fatalf("body %q, Content-Range %q", w.Body.String(), w.Header().Get("Content-Range"))
		}
	})
	t.Run("If-None-Match", func(t *testing.T) {
		w := e.do(nil, http.MethodGet, "/demo/pub/dir/a.txt", nil, "If-None-Match", etag)
		wantStatus(t, w, http.StatusNotModified)
		if w.Body.Len() != 0 {
			t.Fatal("304 with a body")
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		w := e.do(nil, http.MethodHead, "/demo/pub/dir/a.txt", nil)
		wantStatus(t, w, 200)
		if w.Body.Len() != 0 || w.Header().Get("Content-Length") != "20" {
			t.Fatalf("HEAD body %d bytes, Content-Length %q", w.Body.Len(), w.Header().Get("Content-Length"))
		}
	})
	if got := e.rt.Calls.Load(); got != calls {
		t.Fatalf("fast path called the plugin %d times", got-calls)
	}
	t.Run("missing path goes to the plugin", func(t *testing.T) {
		w := e.do(nil, http.MethodGet, "/demo/pub/dir/missing.txt", nil)
		wantStatus(t, w, 404)
		if w.Body.String() != "plugin: no /dir/missing.txt" || e.rt.Calls.Load() != calls+1 {
			t.Fatalf("body %q, calls %d", w.Body.String(), e.rt.Calls.Load()-calls)
		}
	})
}

func TestPluginResponseCache(t *testing.T) {
	e := newEnv(t)
	wantStatus(t, e.do(&admin, http.MethodPut, "/demo/pub/a.txt", []byte("a")), http.StatusCreated)
	base := e.rt.Calls.Load()

	w1 := e.do(nil, http.MethodGet, "/demo/pub/-/index", nil)
	wantStatus(t, w1, 200)
	if w1.Body.String() != "a.txt" {
		t.Fatalf("index = %q", w1.Body.String())
	}
	etag := w1.Header().Get("ETag")
	if !strings.HasPrefix(etag, `"`) || len(etag) != 66 {
		t.Fatalf("ETag = %q, want a strong sha256 tag", etag)
	}
	w2 := e.do(nil, http.MethodGet, "/demo/pub/-/index", nil)
	wantStatus(t, w2, 200)
	if w2.Body.String() != "a.txt" || w2.Header().Get("ETag") != etag || w2.Header().Get("Content-Type") != "text/plain" {
		t.Fatalf("cached response differs: %q %v", w2.Body.String(), w2.Header())
	}
	if got := e.rt.Calls.Load() - base; got != 1 {
		t.Fatalf("plugin called %d times for two identical GETs, want 1", got)
	}
	wantStatus(t, e.do(nil, http.MethodGet, "/demo/pub/-/index", nil, "If-None-Match", etag), http.StatusNotModified)
	// A different Accept header or query is another entry.
	wantStatus(t, e.do(nil, http.MethodGet, "/demo/pub/-/index", nil, "Accept", "application/json"), 200)
	wantStatus(t, e.do(nil, http.MethodGet, "/demo/pub/-/index?x=1", nil), 200)
	if got := e.rt.Calls.Load() - base; got != 3 {
		t.Fatalf("plugin calls = %d, want 3", got)
	}

	// A write bumps the generation: the next GET calls the plugin again.
	wantStatus(t, e.do(&admin, http.MethodPut, "/demo/pub/b.txt", []byte("b")), http.StatusCreated)
	base = e.rt.Calls.Load()
	w3 := e.do(nil, http.MethodGet, "/demo/pub/-/index", nil)
	wantStatus(t, w3, 200)
	if w3.Body.String() != "a.txt\nb.txt" || e.rt.Calls.Load()-base != 1 {
		t.Fatalf("after write: body %q, calls %d", w3.Body.String(), e.rt.Calls.Load()-base)
	}
	if w3.Header().Get("ETag") == etag {
		t.Fatal("ETag unchanged after the content changed")
	}
	// The TTL bounds an entry's life even without writes.
	e.clock.Add(2 * time.Minute)
	wantStatus(t, e.do(nil, http.MethodGet, "/demo/pub/-/index", nil), 200)
	if e.rt.Calls.Load()-base != 2 {
		t.Fatal("expired entry was served")
	}
}

func TestStagedWrites(t *testing.T) {
	e := newEnv(t)
	id := e.repoID("pub")
	t.Run("committed on success", func(t *testing.T) {
		wantStatus(t, e.do(&admin, http.MethodPost, "/demo/pub/-/gen", []byte("x")), http.StatusCreated)
		w := e.do(nil, http.MethodGet, "/demo/pub/gen.txt", nil)
		wantStatus(t, w, 200)
		if w.Body.String() != "generated" {
			t.Fatalf("generated file = %q", w.Body.String())
		}
	})
	before := e.files.Count(id)
	gen := func() int64 {
		r, _ := e.repos.GetRepository(t.Context(), "pub")
		return r.Generation
	}
	g0 := gen()
	t.Run("discarded when the plugin errors", func(t *testing.T) {
		w := e.do(&admin, http.MethodPut, "/demo/pub/err.txt", []byte("x"), "X-Fail", "error")
		wantStatus(t, w, http.StatusBadGateway)
		code, msg := errorCode(t, w)
		if code != "plugin_failed" || !strings.Contains(msg, "demo") {
			t.Fatalf("error %q %q does not name the plugin", code, msg)
		}
	})
	t.Run("discarded when the plugin answers >= 400", func(t *testing.T) {
		w := e.do(&admin, http.MethodPut, "/demo/pub/rej.txt", []byte("x"), "X-Fail", "status")
		wantStatus(t, w, 422)
		if w.Body.String() != "rejected" {
			t.Fatalf("body = %q", w.Body.String())
		}
	})
	t.Run("a path the API could not read back is refused", func(t *testing.T) {
		// Found by the HTTP fuzz harness: a plugin staged a 2,006-byte path
		// that the REST download refuses (artifact.MaxPathLen).
		long := "/demo/pub/" + strings.Repeat("A", 2000) + "/a.txt"
		wantStatus(t, e.do(&admin, http.MethodPut, long, []byte("x")), http.StatusBadRequest)
	})
	t.Run("deadline is 504", func(t *testing.T) {
		wantStatus(t, e.do(&admin, http.MethodPut, "/demo/pub/slow.txt", []byte("x"), "X-Fail", "deadline"), http.StatusGatewayTimeout)
	})
	t.Run("a runtime timeout error is 504", func(t *testing.T) {
		wantStatus(t, e.do(&admin, http.MethodPut, "/demo/pub/slow2.txt", []byte("x"), "X-Fail", "timeout"), http.StatusGatewayTimeout)
	})
	t.Run("a busy plugin is 503 with Retry-After", func(t *testing.T) {
		w := e.do(&admin, http.MethodPut, "/demo/pub/busy.txt", []byte("x"), "X-Fail", "busy")
		wantStatus(t, w, http.StatusServiceUnavailable)
		if w.Header().Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
	})
	t.Run("storage full is 507 with Retry-After and no internals", func(t *testing.T) {
		wantFull := func(t *testing.T, w *httptest.ResponseRecorder) {
			t.Helper()
			wantStatus(t, w, http.StatusInsufficientStorage)
			code, msg := errorCode(t, w)
			if code != "storage_full" || w.Header().Get("Retry-After") == "" || strings.Contains(msg, "fsblob") {
				t.Fatalf("code %q, message %q, Retry-After %q", code, msg, w.Header().Get("Retry-After"))
			}
		}
		t.Run("in a host import", func(t *testing.T) {
			wantFull(t, e.do(&admin, http.MethodPut, "/demo/pub/full.txt", []byte("x"), "X-Fail", "full"))
		})
		t.Run("spooling the body", func(t *testing.T) {
			e.blobs.PutErr = fmt.Errorf("fsblob: put: write /data/tmp/x: no space left on device (%w)", ports.ErrStorageFull)
			defer func() { e.blobs.PutErr = nil }()
			wantFull(t, e.do(&admin, http.MethodPut, "/demo/pub/full2.txt", []byte("x")))
		})
		t.Run("a plugin answering a failed blob write with its own 500", func(t *testing.T) {
			e.blobs.PutErr = fmt.Errorf("fsblob: put: write /data/tmp/x: no space left on device (%w)", ports.ErrStorageFull)
			defer func() { e.blobs.PutErr = nil }()
			wantFull(t, e.do(&admin, http.MethodPost, "/demo/pub/-/gen-own-500", nil))
		})
	})
	t.Run("a client that went away is no server error", func(t *testing.T) {
		ctx, cancel := context.WithCancel(auth.WithSubject(context.Background(), admin))
		clientGone = cancel
		defer func() { clientGone = func() {} }()
		r := httptest.NewRequest(http.MethodPut, "/demo/pub/gone.txt", bytes.NewReader([]byte("x"))).WithContext(ctx)
		w := httptest.NewRecorder()
		r.Header.Set("X-Fail", "client-gone")
		httpapi.DispatchHTTP(e.d).ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	})
	t.Run("the plugin's own error response is sent and its writes discarded", func(t *testing.T) {
		w := e.do(&admin, http.MethodPut, "/demo/pub/perr.txt", []byte("x"), "X-Fail", "plugin-error")
		wantStatus(t, w, http.StatusConflict)
		if w.Body.String() != `{"error":"taken"}` {
			t.Fatalf("body = %q", w.Body.String())
		}
	})
	t.Run("conflict is 409 and changes nothing", func(t *testing.T) {
		wantStatus(t, e.do(&admin, http.MethodPut, "/demo/pub/gen.txt", []byte("other")), http.StatusConflict)
		w := e.do(nil, http.MethodGet, "/demo/pub/gen.txt", nil)
		if w.Body.String() != "generated" {
			t.Fatalf("conflicting write changed the file: %q", w.Body.String())
		}
	})
	if e.files.Count(id) != before || gen() != g0 {
		t.Fatalf("failed requests changed the repository: files %d→%d, generation %d→%d", before, e.files.Count(id), g0, gen())
	}
	for _, p := range []string{"err.txt", "rej.txt", "slow.txt", "slow2.txt", "perr.txt"} {
		if _, err := e.files.GetFile(t.Context(), id, p); err == nil {
			t.Fatalf("%s was stored", p)
		}
	}
	t.Run("delete", func(t *testing.T) {
		wantStatus(t, e.do(&admin, http.MethodDelete, "/demo/pub/gen.txt", nil), http.StatusNoContent)
		wantStatus(t, e.do(nil, http.MethodGet, "/demo/pub/gen.txt", nil), http.StatusNotFound)
	})
}

func TestBodySpooledWithDigests(t *testing.T) {
	e := newEnv(t)
	body := []byte(strings.Repeat("keeper body ", 5000))
	wantStatus(t, e.do(&admin, http.MethodPut, "/demo/pub/big.bin", body), http.StatusCreated)
	s256, s1, m5, s512 := hexSum(body)
	e.mu.Lock()
	b := e.lastReq.Body
	e.mu.Unlock()
	if b == nil {
		t.Fatal("plugin got no body")
	}
	if b.Digest != s256 || b.SHA1 != s1 || b.MD5 != m5 || b.SHA512 != s512 || b.Size != int64(len(body)) {
		t.Fatalf("body = %+v", *b)
	}
	f, err := e.files.GetFile(t.Context(), e.repoID("pub"), "big.bin")
	if err != nil || f.SHA1 != s1 || f.MD5 != m5 || f.SHA512 != s512 || f.Size != int64(len(body)) {
		t.Fatalf("stored file = %+v, %v", f, err)
	}
	t.Run("sha256 only for a plugin that declares sha256-bodies", func(t *testing.T) {
		routes := e.d.Table().Routes()
		defer e.d.SetRoutes(routes)
		e.d.SetRoutes([]dispatch.Route{{Prefix: "/demo/", PluginID: "demo", Format: "demo", SHA256Bodies: true}})
		wantStatus(t, e.do(&admin, http.MethodPut, "/demo/pub/lean.bin", body[1:]), http.StatusCreated)
		s256, _, _, _ := hexSum(body[1:])
		e.mu.Lock()
		b := e.lastReq.Body
		e.mu.Unlock()
		if b == nil || b.Digest != s256 || b.SHA1 != "" || b.MD5 != "" || b.SHA512 != "" {
			t.Fatalf("body = %+v", b)
		}
	})
	t.Run("too large", func(t *testing.T) {
		wantStatus(t, e.do(&admin, http.MethodPut, "/demo/pub/huge.bin", make([]byte, 1<<20+1)), http.StatusRequestEntityTooLarge)
	})
	t.Run("no body on GET", func(t *testing.T) {
		e.do(nil, http.MethodGet, "/demo/pub/nothing", nil)
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.lastReq.Body != nil {
			t.Fatal("GET without body got a body")
		}
	})
}

func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	t.Run("anonymous write is 401 with a Basic challenge", func(t *testing.T) {
		w := e.do(nil, http.MethodPut, "/demo/pub/x", []byte("x"))
		wantStatus(t, w, http.StatusUnauthorized)
		if got := w.Header().Get("WWW-Authenticate"); got != `Basic realm="keeper"` {
			t.Fatalf("WWW-Authenticate = %q", got)
		}
	})
	t.Run("the challenge is the mount's declared one", func(t *testing.T) {
		routes := e.d.Table().Routes()
		defer e.d.SetRoutes(routes)
		e.d.SetRoutes([]dispatch.Route{{Prefix: "/demo/", PluginID: "demo", Format: "demo",
			Credentials: ports.Credentials{Bearer: true, Challenge: `Bearer realm="{base-url}/token",service="keeper"`}}})
		w := e.do(nil, http.MethodPut, "/demo/pub/x", []byte("x"))
		wantStatus(t, w, http.StatusUnauthorized)
		if got := w.Header().Get("WWW-Authenticate"); got != `Bearer realm="http://keeper.test/token",service="keeper"` {
			t.Fatalf("WWW-Authenticate = %q", got)
		}
		if c, ok := e.d.Credentials("/demo/pub/x"); !ok || !c.Bearer || c.Basic {
			t.Fatalf("Credentials = %+v %v", c, ok)
		}
		if _, ok := e.d.Credentials("/api/v1/x"); ok {
			t.Fatal("credentials for a path no mount serves")
		}
	})
	t.Run("authenticated but not allowed is 403", func(t *testing.T) {
		reader := admin
		reader.Username = "reader"
		w := e.do(&reader, http.MethodDelete, "/demo/pub/x", nil)
		wantStatus(t, w, http.StatusForbidden)
		if w.Header().Get("WWW-Authenticate") != "" {
			t.Fatal("403 carries a challenge")
		}
	})
	t.Run("anonymous read of a private repository is 401", func(t *testing.T) {
		wantStatus(t, e.do(nil, http.MethodGet, "/demo/priv/x", nil), http.StatusUnauthorized)
	})
	if e.rt.Calls.Load() != 0 {
		t.Fatal("a denied request reached the plugin")
	}
}

func TestRouting(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, path string
		status     int
		body       string
	}{
		{"no mount", "/nothing/here", 404, ""},
		{"unknown repository", "/demo/nope/x", 404, ""},
		{"repository of another format", "/demo/other/x", 404, ""},
		{"no repository segment", "/demo/", 404, ""},
		{"root claim without repository", "/demo-root/v/ping", 200, "root:/v/ping"},
		{"root claim with repository", "/demo-root/pub/zzz", 404, "plugin: no /zzz"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := e.do(&admin, http.MethodGet, c.path, nil)
			wantStatus(t, w, c.status)
			if c.body != "" && w.Body.String() != c.body {
				t.Fatalf("body = %q, want %q", w.Body.String(), c.body)
			}
			if c.body == "" {
				errorCode(t, w)
			}
		})
	}
	t.Run("escaped path reaches the plugin escaped", func(t *testing.T) {
		e.do(&admin, http.MethodGet, "/demo/pub/@scope%2fpkg", nil)
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.lastReq.Path != "/@scope%2fpkg" || e.lastReq.Repo == nil || e.lastReq.Repo.Key != "pub" {
			t.Fatalf("plugin saw path %q repo %+v", e.lastReq.Path, e.lastReq.Repo)
		}
		if e.lastReq.Repo.BaseURL != "http://keeper.test/demo/pub" || e.lastReq.User != "alice" {
			t.Fatalf("base URL %q user %q", e.lastReq.Repo.BaseURL, e.lastReq.User)
		}
	})
	t.Run("credentials are not passed to plugins", func(t *testing.T) {
		routes := e.d.Table().Routes()
		// Another plugin's token header is stripped too: the host consumes it.
		e.d.SetRoutes([]dispatch.Route{{Prefix: "/demo/", PluginID: "demo", Format: "demo"},
			{Prefix: "/other/", PluginID: "other", Format: "other", Credentials: ports.Credentials{TokenHeaders: []string{"X-Format-Key"}}}})
		defer e.d.SetRoutes(routes)
		e.do(&admin, http.MethodGet, "/demo/pub/zz", nil, "Authorization", "Basic eDp5", "X-Other", "1",
			"X-API-Key", "kpr_a", "x-format-key", "kpr_b", "Cookie", "s=1", "Proxy-Authorization", "Basic eDp5")
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, h := range []string{"Authorization", "X-API-Key", "X-Format-Key", "Cookie", "Proxy-Authorization"} {
			if headerOf(e.lastReq, h) != "" {
				t.Errorf("%s reached the plugin: %v", h, e.lastReq.Headers)
			}
		}
		if headerOf(e.lastReq, "X-Other") != "1" {
			t.Fatalf("headers = %v", e.lastReq.Headers)
		}
	})
	t.Run("disabled plugin is 404", func(t *testing.T) {
		e.d.SetRoutes(nil)
		wantStatus(t, e.do(&admin, http.MethodGet, "/demo/pub/x", nil), 404)
	})
}

func TestHostCallScope(t *testing.T) {
	e := newEnv(t)
	wantStatus(t, e.do(&admin, http.MethodPut, "/demo/priv/secret.txt", []byte("secret")), http.StatusCreated)
	s256, _, _, _ := hexSum([]byte("secret"))
	// A plugin serving pub may not read a blob it never learned of in pub.
	w := e.do(&admin, http.MethodGet, "/demo/pub/-/read", nil, "X-Digest", s256)
	wantStatus(t, w, 403)
	if strings.Contains(w.Body.String(), "secret") && !strings.Contains(w.Body.String(), "not readable") {
		t.Fatalf("leaked: %q", w.Body.String())
	}
	// ServePath of a file in another repository is 404.
	wantStatus(t, e.do(&admin, http.MethodGet, "/demo/pub/-/serve/secret.txt", nil), 404)
	w = e.do(&admin, http.MethodGet, "/demo/priv/-/serve/secret.txt", nil, "Range", "bytes=0-2")
	wantStatus(t, w, http.StatusPartialContent)
	if w.Body.String() != "sec" {
		t.Fatalf("ServePath range body = %q", w.Body.String())
	}
}
