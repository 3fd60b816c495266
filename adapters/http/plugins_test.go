package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/argon2"
	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/fsblob"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/adapters/wasm/builtin"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/plugin"
	"github.com/keeper-registry/keeper/core/repository"
	"github.com/keeper-registry/keeper/core/upload"
	"github.com/keeper-registry/keeper/ports"
)

// plugEnv is a full server (real stores, real wasm runtime, built-in
// plugins) with the plugin API and the format dispatcher wired in.
type plugEnv struct {
	t     *testing.T
	url   string
	token string
	store *bunstore.Store
	mgr   *plugin.Manager
	rt    *wasm.Runtime
}

func newPlugEnv(t *testing.T, opts ...func(*httpapi.Deps)) *plugEnv {
	t.Helper()
	mods := builtin.Modules()
	if mods["generic"].Module == nil {
		t.Skip("generic.wasm is not built (go run ./adapters/wasm/builtin/build)")
	}
	ctx := t.Context()
	dir := t.TempDir()
	store, err := bunstore.Open(ctx, filepath.Join(dir, "keeper.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	blobs, err := fsblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	rt, err := wasm.New(wasm.Config{CacheDir: wasmtest.CacheDir(t), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) })
	d := dispatch.New(dispatch.Deps{Repos: store, Files: store, Blobs: blobs, Runtime: rt,
		Authz: auth.BaselineAuthorizer{}, Log: quiet}, dispatch.Config{})
	m := plugin.NewManager(store, blobs, rt, d, plugin.Options{Log: quiet})
	if err := m.LoadAll(ctx, mods); err != nil {
		t.Fatal(err)
	}
	clock := ports.SystemClock{}
	a, err := auth.NewService(ctx, store, store, store, argon2.NewWithParams(1, 64, 1), clock, auth.Options{AccessTTL: time.Hour, RefreshTTL: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.EnsureAdmin(ctx, adminPassword); err != nil {
		t.Fatal(err)
	}
	arts := artifact.NewService(store, store, blobs, 1<<30).WithValidator(d)
	formats := func() []string {
		var keys []string
		for _, f := range m.Formats() {
			keys = append(keys, f.Key)
		}
		return keys
	}
	deps := httpapi.Deps{
		Auth: a, Authorizer: auth.BaselineAuthorizer{},
		Repos: repository.NewService(store, formats), Artifacts: arts,
		Uploads:  upload.NewService(store, blobs, arts, clock, 1<<30),
		Fallback: httpapi.DispatchHandler(d), Plugins: m, MaxUploadBytes: 1 << 30, Version: "test",
		MountCredentials: d.Credentials, FormatInfo: m.FormatInfo,
	}
	for _, o := range opts {
		o(&deps)
	}
	srv, err := httpapi.New(deps, httpapi.PluginRoutes(m, store)...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(validating(t, srv))
	t.Cleanup(ts.Close)
	e := &plugEnv{t: t, url: ts.URL, store: store, mgr: m, rt: rt}
	_, body := e.req("POST", "/api/v1/auth/login", "", strings.NewReader(`{"username":"admin","password":"`+adminPassword+`"}`), "Content-Type", "application/json")
	var sess auth.Session
	if err := json.Unmarshal(body, &sess); err != nil || sess.AccessToken == "" {
		t.Fatalf("login: %s", body)
	}
	e.token = sess.AccessToken
	return e
}

func (e *plugEnv) req(method, path, token string, body io.Reader, hdr ...string) (*http.Response, []byte) {
	e.t.Helper()
	return send(e.t, e.url, method, path, token, body, hdr...)
}

func (e *plugEnv) want(resp *http.Response, body []byte, status int) {
	e.t.Helper()
	if resp.StatusCode != status {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, body)
	}
}

// TestGenericPluginThroughDispatcher runs the real generic.wasm in wazero
// behind the dispatcher: PUT then GET (fast path, Range, 304), listing,
// DELETE, anonymous write refused.
// Both parts share one server: compiling the module dominates the run time.
func TestGenericPluginThroughDispatcher(t *testing.T) {
	e := newPlugEnv(t)
	t.Run("dispatch", func(t *testing.T) { e.t = t; testGenericDispatch(t, e) })
	t.Run("plugin API", func(t *testing.T) { e.t = t; testPluginAPI(t, e) })
	t.Run("one write path", func(t *testing.T) { e.t = t; testOneWritePath(t, e) })
}

func testGenericDispatch(t *testing.T, e *plugEnv) {
	ctx := t.Context()
	repo := ports.Repository{Key: "files", Name: "files", Format: "generic", Type: ports.RepoLocal, IsPublic: true, Config: map[string]string{}}
	if err := e.store.CreateRepository(ctx, &repo); err != nil {
		t.Fatal(err)
	}
	content := []byte("hello keeper, served by a wasm plugin")

	resp, body := e.req("PUT", "/generic/files/docs/hello.txt", "", bytes.NewReader(content))
	e.want(resp, body, http.StatusUnauthorized)
	if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("anonymous PUT challenge = %q", resp.Header.Get("WWW-Authenticate"))
	}

	resp, body = e.req("PUT", "/generic/files/docs/hello.txt", e.token, bytes.NewReader(content), "Content-Type", "text/plain")
	e.want(resp, body, http.StatusCreated)
	f, err := e.store.GetFile(ctx, repo.ID, "docs/hello.txt")
	if err != nil || f.Size != int64(len(content)) || f.SHA1 == "" || f.MD5 == "" {
		t.Fatalf("stored file = %+v, %v", f, err)
	}
	if r2, _ := e.store.GetRepository(ctx, "files"); r2.Generation <= repo.Generation {
		t.Fatal("the commit did not bump the repository generation")
	}

	resp, body = e.req("GET", "/generic/files/docs/hello.txt", "", nil)
	e.want(resp, body, http.StatusOK)
	if !bytes.Equal(body, content) || resp.Header.Get("ETag") != `"`+f.SHA256+`"` || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("GET body %q, headers %v", body, resp.Header)
	}
	resp, body = e.req("GET", "/generic/files/docs/hello.txt", "", nil, "Range", "bytes=6-11")
	e.want(resp, body, http.StatusPartialContent)
	if string(body) != "keeper" {
		t.Fatalf("range body %q", body)
	}
	resp, body = e.req("GET", "/generic/files/docs/hello.txt", "", nil, "If-None-Match", `"`+f.SHA256+`"`)
	e.want(resp, body, http.StatusNotModified)

	resp, body = e.req("GET", "/generic/files/docs/", "", nil, "Accept", "application/json")
	e.want(resp, body, http.StatusOK)
	if !strings.Contains(string(body), "hello.txt") {
		t.Fatalf("listing %s", body)
	}
	resp, body = e.req("PUT", "/generic/files/docs/hello.txt", e.token, strings.NewReader("again"))
	e.want(resp, body, http.StatusConflict)

	resp, body = e.req("DELETE", "/generic/files/docs/hello.txt", e.token, nil)
	e.want(resp, body, http.StatusNoContent)
	resp, body = e.req("GET", "/generic/files/docs/hello.txt", "", nil)
	e.want(resp, body, http.StatusNotFound)
	if p, _ := e.mgr.Get("generic"); p.Stats.Calls == 0 || p.Status != plugin.StatusActive {
		t.Fatalf("plugin view = %+v", p)
	}
}

func testPluginAPI(t *testing.T, e *plugEnv) {
	ctx := t.Context()
	repo := ports.Repository{Key: "g", Name: "g", Format: "generic", Type: ports.RepoLocal, IsPublic: true, Config: map[string]string{}}
	if err := e.store.CreateRepository(ctx, &repo); err != nil {
		t.Fatal(err)
	}
	resp, body := e.req("GET", "/api/v1/plugins", "", nil)
	e.want(resp, body, http.StatusUnauthorized)

	resp, body = e.req("GET", "/api/v1/formats", "", nil)
	e.want(resp, body, http.StatusOK)
	var fl struct {
		Items []plugin.Format `json:"items"`
	}
	if err := json.Unmarshal(body, &fl); err != nil || len(fl.Items) == 0 || !strings.Contains(string(body), `"plugin_id":"generic"`) {
		t.Fatalf("formats %s", body)
	}
	if !strings.Contains(string(body), `"aliases":[]`) {
		t.Fatalf("formats without aliases must list an empty array: %s", body)
	}

	resp, body = e.req("GET", "/api/v1/plugins", e.token, nil)
	e.want(resp, body, http.StatusOK)
	var pl struct {
		Items []plugin.Plugin `json:"items"`
	}
	if err := json.Unmarshal(body, &pl); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range pl.Items {
		if p.ID == "generic" {
			found = p.Status == plugin.StatusActive && p.BuiltIn && len(p.Mounts) > 0 && p.ContractVersion == ports.ContractVersion
		}
	}
	if !found || !strings.Contains(string(body), `"built_in":true`) {
		t.Fatalf("plugins %s", body)
	}

	// The set-up page fills the plugin's snippets; the token stays a placeholder.
	resp, body = e.req("GET", "/api/v1/repositories/g/setup", "", nil)
	e.want(resp, body, http.StatusOK)
	var setup struct {
		URL      string               `json:"url"`
		Snippets []ports.SetupSnippet `json:"snippets"`
	}
	if err := json.Unmarshal(body, &setup); err != nil || setup.URL != e.url+"/generic/g" || len(setup.Snippets) == 0 {
		t.Fatalf("setup %s", body)
	}
	for _, sn := range setup.Snippets {
		if !strings.Contains(sn.Text, e.url+"/generic/g/") || strings.Contains(sn.Text, "{") || !strings.Contains(sn.Text, "<TOKEN>") {
			t.Fatalf("snippet %+v", sn)
		}
	}
	// No existence oracle: a missing repository answers an anonymous caller
	// like a private one (401), a signed-in one 404.
	resp, body = e.req("GET", "/api/v1/repositories/nope/setup", "", nil)
	e.want(resp, body, http.StatusUnauthorized)
	resp, body = e.req("GET", "/api/v1/repositories/nope/setup", e.token, nil)
	e.want(resp, body, http.StatusNotFound)

	resp, body = e.req("POST", "/api/v1/plugins", e.token, strings.NewReader("not a module"))
	e.want(resp, body, http.StatusBadRequest)
	resp, body = e.req("POST", "/api/v1/plugins", e.token, bytes.NewReader([]byte("\x00asm\x01\x00\x00\x00garbage")))
	e.want(resp, body, http.StatusBadRequest)
	resp, body = e.req("DELETE", "/api/v1/plugins/generic", e.token, nil)
	e.want(resp, body, http.StatusBadRequest)
	resp, body = e.req("GET", "/api/v1/plugins/nope", e.token, nil)
	e.want(resp, body, http.StatusNotFound)

	resp, body = e.req("POST", "/api/v1/plugins/generic/disable", e.token, nil)
	e.want(resp, body, http.StatusOK)
	resp, body = e.req("GET", "/generic/g/", "", nil)
	e.want(resp, body, http.StatusNotFound)
	resp, body = e.req("POST", "/api/v1/plugins/generic/enable", e.token, nil)
	e.want(resp, body, http.StatusOK)
	resp, body = e.req("POST", "/api/v1/plugins/generic/reload", e.token, nil)
	e.want(resp, body, http.StatusOK)
	resp, body = e.req("GET", "/generic/g/", "", nil)
	e.want(resp, body, http.StatusOK)
}
