package dispatch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
)

// env is a dispatcher over in-memory fakes with one fake format "demo"
// mounted at /demo/ and a root claim "/demo-root/".
type env struct {
	t     testing.TB
	d     *dispatch.Dispatcher
	repos *dispatchtest.Repos
	files *dispatchtest.Files
	blobs *dispatchtest.Blobs
	rt    *dispatchtest.Runtime
	clock *fakeClock

	mu      sync.Mutex
	lastReq ports.FormatRequest
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, repos: dispatchtest.NewRepos(), blobs: dispatchtest.NewBlobs(), rt: dispatchtest.NewRuntime(),
		clock: &fakeClock{now: time.Unix(1800000000, 0)}}
	e.files = dispatchtest.NewFiles(e.repos)
	e.d = dispatch.New(dispatch.Deps{Repos: e.repos, Files: e.files, Blobs: e.blobs, Runtime: e.rt,
		Authz: dispatchtest.Authz{}, Clock: e.clock}, dispatch.Config{MaxBodyBytes: 1 << 20, BaseURL: "http://keeper.test"})
	info := ports.FormatInfo{Key: "demo", DisplayName: "Demo", Version: "1.0.0", ContractVersion: ports.ContractVersion,
		Mounts: []ports.Mount{{Prefix: "/demo/"}, {Prefix: "/demo-root/", Root: true}}}
	if _, err := e.rt.Load(context.Background(), "demo", dispatchtest.Module(info), ports.PluginLimits{}); err != nil {
		t.Fatal(err)
	}
	e.rt.SetHandler("demo", e.handle)
	e.d.SetRoutes([]dispatch.Route{
		{Prefix: "/demo/", PluginID: "demo", Format: "demo"},
		{Prefix: "/demo-root/", Root: true, PluginID: "demo", Format: "demo"},
	})
	for _, r := range []ports.Repository{
		{Key: "pub", Format: "demo", Type: ports.RepoLocal, IsPublic: true},
		{Key: "priv", Format: "demo", Type: ports.RepoLocal},
		{Key: "other", Format: "otherfmt", Type: ports.RepoLocal, IsPublic: true},
	} {
		if err := e.repos.CreateRepository(context.Background(), &r); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *env) repoID(key string) int64 {
	r, err := e.repos.GetRepository(context.Background(), key)
	if err != nil {
		e.t.Fatal(err)
	}
	return r.ID
}

// handle is the fake plugin: PUT stages the body at the path, DELETE stages
// a removal, GET /-/index lists files (cacheable), X-Fail makes it fail
// after staging.
func (e *env) handle(ctx context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
	e.mu.Lock()
	e.lastReq = req
	e.mu.Unlock()
	fail := headerOf(req, "X-Fail")
	path := strings.TrimPrefix(req.Path, "/")
	if req.Repo == nil {
		return ports.FormatResponse{Status: 200, Body: []byte("root:" + req.Path)}, nil
	}
	switch {
	case req.Method == http.MethodPut && req.Body != nil:
		if err := h.StageFile(ports.StagedFile{Path: path, BlobDigest: req.Body.Digest, ContentType: "text/plain",
			Overwrite: headerOf(req, "X-Overwrite") != ""}); err != nil {
			return ports.FormatResponse{}, err
		}
	case req.Method == http.MethodDelete:
		if err := h.StageDelete(path); err != nil {
			return ports.FormatResponse{}, err
		}
		return ports.FormatResponse{Status: http.StatusNoContent}, nil
	case req.Method == http.MethodGet && path == "-/index":
		fs, err := h.ListFiles(ctx, ports.FileListing{Limit: 100})
		if err != nil {
			return ports.FormatResponse{}, err
		}
		var names []string
		for _, f := range fs {
			names = append(names, f.Path)
		}
		return ports.FormatResponse{Status: 200, Headers: []ports.Header{{Name: "Content-Type", Value: "text/plain"}},
			Body: []byte(strings.Join(names, "\n")), CacheTTL: time.Minute}, nil
	case req.Method == http.MethodGet && path == "-/q" && req.Repo.Type != ports.RepoLocal && req.RawQuery != "":
		// Asks the host for the upstream's (members') answer (dispatch.UpstreamQueryHeader).
		return ports.FormatResponse{Status: 200, Headers: []ports.Header{{Name: "X-Keeper-Upstream", Value: "query"}}}, nil
	case req.Method == http.MethodGet && path == "-/login":
		return ports.FormatResponse{Status: 200, Body: []byte("plugin login on " + req.Repo.Key)}, nil
	case req.Method == http.MethodGet && path == "-/q":
		return ports.FormatResponse{Status: 200, Body: []byte("plugin " + req.RawQuery)}, nil
	case req.Method == http.MethodGet && strings.HasPrefix(path, "-/serve/"):
		return ports.FormatResponse{Status: 200, ServePath: strings.TrimPrefix(path, "-/serve/")}, nil
	case req.Method == http.MethodGet && path == "-/read":
		b, err := h.ReadBlob(ctx, headerOf(req, "X-Digest"), 0, 100)
		if err != nil {
			return ports.FormatResponse{Status: 403, Body: []byte(err.Error())}, nil
		}
		return ports.FormatResponse{Status: 200, Body: b}, nil
	case req.Method == http.MethodPost && path == "-/gen":
		b, err := h.PutBlob(ctx, []byte("generated"))
		if err != nil {
			return ports.FormatResponse{}, err
		}
		if err := h.StageFile(ports.StagedFile{Path: "gen.txt", BlobDigest: b.Digest}); err != nil {
			return ports.FormatResponse{}, err
		}
		if err := h.StageKV(ports.KV{Namespace: "tags", Key: "latest", Value: []byte("gen")}, false); err != nil {
			return ports.FormatResponse{}, err
		}
	case req.Method == http.MethodPost && path == "-/gen-own-500":
		// A plugin that answers a failed blob write with its own 500 (it
		// sees only the import's error text).
		if _, err := h.PutBlob(ctx, []byte("generated")); err != nil {
			return ports.FormatResponse{Status: 500, Body: []byte(err.Error())}, fmt.Errorf("plugin error 500: %s", err.Error())
		}
	case req.Method == http.MethodGet:
		return ports.FormatResponse{Status: 404, Body: []byte("plugin: no " + req.Path)}, nil
	}
	switch fail {
	case "error":
		return ports.FormatResponse{}, fmt.Errorf("demo exploded")
	case "status":
		return ports.FormatResponse{Status: 422, Body: []byte("rejected")}, nil
	case "deadline":
		return ports.FormatResponse{}, fmt.Errorf("call: %w", context.DeadlineExceeded)
	case "timeout":
		return ports.FormatResponse{}, timeoutErr{}
	case "full":
		// A host import's write found the blob store out of space.
		return ports.FormatResponse{}, fmt.Errorf("call: concat-ranges: fsblob: put: write: no space left on device (%w)", ports.ErrStorageFull)
	case "busy":
		return ports.FormatResponse{}, fmt.Errorf("call: all instances busy: %w", ports.ErrUnavailable)
	case "client-gone":
		// The client closes its connection while the plugin works: the
		// request's context ends and the runtime stops the call.
		clientGone()
		return ports.FormatResponse{}, fmt.Errorf("call: %w", context.Canceled)
	case "plugin-error":
		// What a runtime returns for the plugin's own error: the response and an error.
		return ports.FormatResponse{Status: 409, Body: []byte(`{"error":"taken"}`)}, fmt.Errorf("plugin error 409: taken")
	}
	return ports.FormatResponse{Status: http.StatusCreated}, nil
}

func headerOf(req ports.FormatRequest, name string) string {
	for _, h := range req.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

var admin = ports.Subject{UserID: 1, Username: "alice"}

// clientGone ends the current test request's context ("client-gone" mode).
var clientGone = func() {}

// do serves one request as subject s (nil: anonymous).
func (e *env) do(s *ports.Subject, method, target string, body []byte, hdr ...string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	if s != nil {
		r = r.WithContext(auth.WithSubject(r.Context(), *s))
	}
	w := httptest.NewRecorder()
	httpapi.DispatchHTTP(e.d).ServeHTTP(w, r)
	return w
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status = %d, want %d; body: %s", w.Code, status, w.Body.String())
	}
}

// errorCode decodes the JSON error body.
func errorCode(t *testing.T, w *httptest.ResponseRecorder) (string, string) {
	t.Helper()
	// API routes answer {"error":{"code","message"}}; format routes
	// {"error":"message","code","message","errors":[…]}.
	var b struct {
		Error         struct{ Code, Message string } `json:"-"`
		Raw           json.RawMessage                `json:"error"`
		Code, Message string
	}
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
		t.Fatalf("error body is not JSON: %q", w.Body.String())
	}
	if err := json.Unmarshal(b.Raw, &b.Error); err != nil {
		b.Error.Code, b.Error.Message = b.Code, b.Message
	}
	return b.Error.Code, b.Error.Message
}

type timeoutErr struct{}

func (timeoutErr) Error() string { return "plugin call deadline exceeded" }
func (timeoutErr) Timeout() bool { return true }
