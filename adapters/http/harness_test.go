package http_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/argon2"
	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/casbin"
	"github.com/keeper-registry/keeper/adapters/dbsearch"
	"github.com/keeper-registry/keeper/adapters/fsblob"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/totp"
	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/lifecycle"
	"github.com/keeper-registry/keeper/core/promote"
	"github.com/keeper-registry/keeper/core/properties"
	"github.com/keeper-registry/keeper/core/repository"
	"github.com/keeper-registry/keeper/core/search"
	"github.com/keeper-registry/keeper/core/upload"
	"github.com/keeper-registry/keeper/ports"
)

const adminPassword = "test-admin-password"

// env is one running API server over real stores.
type env struct {
	t      testing.TB
	url    string
	token  string
	store  *bunstore.Store
	blobs  *fsblob.Store
	server *httpapi.Server
	auth   *auth.Service
	authz  *casbin.Authorizer
	search *search.Service
}

// databases lists the DSNs the API tests run on: SQLite always, PostgreSQL
// when KEEPER_TEST_POSTGRES_URL is set (each test gets a fresh schema).
func databases(t *testing.T) map[string]func(t *testing.T) string {
	dbs := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "keeper.db") },
	}
	if base := os.Getenv("KEEPER_TEST_POSTGRES_URL"); base != "" {
		dbs["postgres"] = func(t *testing.T) string { return freshSchema(t, base) }
	}
	return dbs
}

func freshSchema(t *testing.T, base string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "api_" + hex.EncodeToString(b)
	admin, err := bunstore.Open(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.DB().ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a, err := bunstore.Open(t.Context(), base)
		if err == nil {
			_, _ = a.DB().Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// eachDB runs fn once per available database.
func eachDB(t *testing.T, fn func(t *testing.T, e *env)) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) { fn(t, newEnv(t, dsn(t), 1<<30)) })
	}
}

func newEnv(t testing.TB, dsn string, maxUpload int64, opts ...func(*httpapi.Deps)) *env {
	t.Helper()
	return newEnvRoutes(t, dsn, maxUpload, nil, opts...)
}

// newEnvRoutes is newEnv with the extra routes routes builds over the store.
func newEnvRoutes(t testing.TB, dsn string, maxUpload int64, routes func(*bunstore.Store) []httpapi.Route, opts ...func(*httpapi.Deps)) *env {
	t.Helper()
	ctx := t.Context()
	store, err := bunstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	blobs, err := fsblob.New(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
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
	a.Configure(auth.Extras{Sessions: store, Groups: store, Audit: audit.New(store, clock), Attempts: store,
		TwoFactor: store, OTP: totp.New()})
	az, err := casbin.New(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	// Quotas as the wiring has them (cmd/keeper/ops.go): every write is checked.
	files := &lifecycle.Quotas{FileStore: store, Store: store}
	arts := artifact.NewService(store, files, blobs, maxUpload).WithDigestStore(store)
	index, err := dbsearch.New(ctx, store.DB(), store.Dialect())
	if err != nil {
		t.Fatal(err)
	}
	searcher := search.New(search.Deps{Outbox: store, Index: index, Repos: store, Files: store, Authorizer: az})
	deps := httpapi.Deps{
		Search: searcher, Stats: store,
		Properties: properties.New(properties.Deps{Store: store, Repos: store, Authorizer: az}),
		Promote:    promote.New(promote.Deps{Files: files, Props: store}),
		Auth:       a, Authorizer: az, Users: store, Groups: store, Policies: az, Audit: store,
		Repos:     repository.NewService(store, func() []string { return []string{"generic", "other"} }).WithFiles(store),
		Artifacts: arts, Uploads: upload.NewService(store, blobs, arts, clock, maxUpload),
		Ready:          []httpapi.Check{{Name: "database", Run: store.Ping}, {Name: "storage", Run: blobs.Ping}},
		MaxUploadBytes: maxUpload, Version: "test",
	}
	for _, o := range opts {
		o(&deps)
	}
	var extra []httpapi.Route
	if routes != nil {
		extra = routes(store)
	}
	srv, err := httpapi.New(deps, extra...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(validating(t, srv))
	t.Cleanup(ts.Close)
	e := &env{t: t, url: ts.URL, store: store, blobs: blobs, server: srv, auth: a, authz: az, search: searcher}
	var sess auth.Session
	e.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPassword}, 200, &sess)
	e.token = sess.AccessToken
	return e
}

// do sends a request with an optional bearer token and returns the response with its body read.
func (e *env) do(method, path, token string, body io.Reader, hdr ...string) (*http.Response, []byte) {
	e.t.Helper()
	return send(e.t, e.url, method, path, token, body, hdr...)
}

// send makes one request to base+path with an optional bearer token and
// headers given as name, value pairs, and reads the whole body.
func send(t testing.TB, base, method, path, token string, body io.Reader, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		t.Fatal(err)
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
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// doJSON sends v as JSON, checks the status and decodes the answer into out.
func (e *env) doJSON(method, path, token string, v any, want int, out any) []byte {
	e.t.Helper()
	var body io.Reader
	if v != nil {
		b, _ := json.Marshal(v)
		body = bytes.NewReader(b)
	}
	resp, data := e.do(method, path, token, body, "Content-Type", "application/json")
	if resp.StatusCode != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
	return data
}

// errorCode decodes the {"error":{"code"}} body.
func errorCode(t *testing.T, data []byte) string {
	t.Helper()
	// API routes answer {"error":{"code","message"}}; format routes
	// {"error":"message","code","message","errors":[…]}.
	var b struct {
		Error         struct{ Code, Message string } `json:"-"`
		Raw           json.RawMessage                `json:"error"`
		Code, Message string
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatalf("not an error body: %s", data)
	}
	if err := json.Unmarshal(b.Raw, &b.Error); err != nil {
		b.Error.Code, b.Error.Message = b.Code, b.Message
	}
	if b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("not an error body: %s", data)
	}
	return b.Error.Code
}

func (e *env) createRepo(body map[string]any) {
	e.t.Helper()
	e.doJSON("POST", "/api/v1/repositories", e.token, body, 201, nil)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
