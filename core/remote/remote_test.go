package remote_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// formats classifies like npm: tarballs are immutable, the rest mutable;
// documents of format "npm" are rewritten by replacing the upstream base.
type formats struct{ rewrites, classifies atomic.Int64 }

func (f *formats) Classify(_ context.Context, _, _, path string) (ports.CacheClass, error) {
	f.classifies.Add(1)
	if strings.HasSuffix(path, ".tgz") {
		return ports.CacheImmutable, nil
	}
	return ports.CacheMutable, nil
}

func (f *formats) Rewrite(_ context.Context, _, _, _ string, body []byte, up, local string) (ports.Document, error) {
	f.rewrites.Add(1)
	if !bytes.HasPrefix(body, []byte("{")) {
		return ports.Document{}, errors.New("not a JSON document")
	}
	return ports.Document{Body: bytes.ReplaceAll(body, []byte(up), []byte(local)), Headers: pluginFields}, nil
}

func (*formats) Rewrites(format string) bool { return format == "npm" }

// pluginFields are the header fields the fake rewrite asks for: one a
// protocol needs and fields a plugin may never set.
var pluginFields = []ports.Header{{Name: "Content-Version", Value: "1"}, {Name: "Set-Cookie", Value: "session=stolen"},
	{Name: "Content-Length", Value: "1"}, {Name: "X-Keeper-Repo", Value: "other"}, {Name: "Location", Value: "https://elsewhere.test/"}}

// counting is an upstream that counts requests per path and answers
// conditional requests with 304.
type counting struct {
	mu    sync.Mutex
	files map[string]string
	hits  map[string]int
	cond  map[string]int // requests that carried If-None-Match
	down  atomic.Bool
	gate  chan struct{} // when not nil, answers wait for it to close
	srv   *httptest.Server
}

func newCounting(t *testing.T) *counting {
	c := &counting{files: map[string]string{}, hits: map[string]int{}, cond: map[string]int{}}
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *counting) serve(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.hits[r.URL.EscapedPath()]++
	if r.Header.Get("If-None-Match") != "" {
		c.cond[r.URL.EscapedPath()]++
	}
	body, ok := c.files[r.URL.EscapedPath()]
	gate := c.gate
	c.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if c.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256([]byte(body))
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write([]byte(body))
}

func (c *counting) set(path, body string) { c.mu.Lock(); c.files[path] = body; c.mu.Unlock() }
func (c *counting) remove(path string)    { c.mu.Lock(); delete(c.files, path); c.mu.Unlock() }
func (c *counting) count(path string) int { c.mu.Lock(); defer c.mu.Unlock(); return c.hits[path] }
func (c *counting) conditional(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cond[path]
}

type env struct {
	svc   *remote.Service
	files *dispatchtest.Files
	blobs *dispatchtest.Blobs
	clock *clock
	repo  *ports.Repository
	fmts  *formats
}

func newEnv(t *testing.T, upstreamURL, format string, opts upstream.Options) *env {
	return newGuardedEnv(t, upstreamURL, format, opts, egress.Policy{AllowPrivateNetworks: true})
}

func newGuardedEnv(t *testing.T, upstreamURL, format string, opts upstream.Options, policy egress.Policy) *env {
	repos := dispatchtest.NewRepos()
	repo := &ports.Repository{Key: "proxy", Format: format, Type: ports.RepoRemote, UpstreamURL: upstreamURL,
		Config: map[string]string{remote.ConfigTTL: "10m", remote.ConfigNegativeTTL: "30s"}}
	if err := repos.CreateRepository(context.Background(), repo); err != nil {
		t.Fatal(err)
	}
	e := &env{files: dispatchtest.NewFiles(repos), blobs: dispatchtest.NewBlobs(), clock: &clock{now: time.Unix(1e9, 0)}, repo: repo, fmts: &formats{}}
	if opts.HeaderTimeout == 0 {
		opts.HeaderTimeout = 2 * time.Second
	}
	e.svc = remote.New(remote.Deps{Files: e.files, Blobs: e.blobs, Formats: e.fmts, Clock: e.clock,
		Upstream: upstream.New(policy, opts)}, remote.Options{})
	return e
}

func (e *env) get(t *testing.T, path string) (remote.Result, string, error) {
	t.Helper()
	res, err := e.svc.Get(context.Background(), remote.Request{Repo: e.repo, PluginID: "p", Path: path,
		LocalBase: "http://keeper.test/npm/proxy"}, nil)
	if err != nil {
		return res, "", err
	}
	if res.Body != nil {
		return res, string(res.Body), nil
	}
	rc, _, err := e.blobs.Open(context.Background(), res.File.BlobDigest)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(rc)
	return res, b.String(), nil
}

func (e *env) mustGet(t *testing.T, path, want string) remote.Result {
	t.Helper()
	res, got, err := e.get(t, path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if got != want {
		t.Fatalf("GET %s = %q, want %q", path, got, want)
	}
	return res
}

func TestImmutableIsNeverRefetched(t *testing.T) {
	up := newCounting(t)
	up.set("/pkg/-/pkg-1.0.0.tgz", "tarball bytes")
	e := newEnv(t, up.srv.URL, "generic", upstream.Options{})
	for range 3 {
		e.mustGet(t, "/pkg/-/pkg-1.0.0.tgz", "tarball bytes")
		e.clock.advance(365 * 24 * time.Hour)
	}
	if n := up.count("/pkg/-/pkg-1.0.0.tgz"); n != 1 {
		t.Fatalf("upstream fetched %d times, want 1", n)
	}
	if st := e.svc.Stats(e.repo.ID); st.Hits != 2 || st.UpstreamFetches != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestMutableIsRevalidatedAfterTTL(t *testing.T) {
	up := newCounting(t)
	up.set("/pkg", "v1")
	e := newEnv(t, up.srv.URL, "generic", upstream.Options{})
	e.mustGet(t, "/pkg", "v1")
	e.clock.advance(9 * time.Minute)
	e.mustGet(t, "/pkg", "v1")
	if n := up.count("/pkg"); n != 1 {
		t.Fatalf("within the TTL: %d upstream requests, want 1", n)
	}
	e.clock.advance(2 * time.Minute)
	e.mustGet(t, "/pkg", "v1") // revalidated: 304
	if n, c := up.count("/pkg"), up.conditional("/pkg"); n != 2 || c != 1 {
		t.Fatalf("after the TTL: %d requests (%d conditional), want 2 (1)", n, c)
	}
	e.mustGet(t, "/pkg", "v1") // fresh again after the 304
	if n := up.count("/pkg"); n != 2 {
		t.Fatalf("after the 304 the copy is fresh again; got %d requests", n)
	}
	up.set("/pkg", "v2")
	e.clock.advance(11 * time.Minute)
	e.mustGet(t, "/pkg", "v2")
	if st := e.svc.Stats(e.repo.ID); st.Revalidated != 1 || st.UpstreamFetches != 3 {
		t.Fatalf("stats %+v", st)
	}
}

func TestNegativeCache(t *testing.T) {
	up := newCounting(t)
	e := newEnv(t, up.srv.URL, "generic", upstream.Options{})
	for range 3 {
		if _, _, err := e.get(t, "/missing"); !errors.Is(err, ports.ErrNotFound) {
			t.Fatalf("err = %v, want not found", err)
		}
	}
	if n := up.count("/missing"); n != 1 {
		t.Fatalf("upstream asked %d times, want 1 (negative cache)", n)
	}
	up.set("/missing", "now here")
	e.clock.advance(31 * time.Second)
	e.mustGet(t, "/missing", "now here")
}

func TestStaleIfError(t *testing.T) {
	up := newCounting(t)
	up.set("/pkg", "cached")
	e := newEnv(t, up.srv.URL, "generic", upstream.Options{})
	e.mustGet(t, "/pkg", "cached")
	up.down.Store(true)
	e.clock.advance(time.Hour)
	if res := e.mustGet(t, "/pkg", "cached"); !res.Stale {
		t.Fatal("served from an upstream that is down but not marked stale")
	}
	up.srv.Close() // unreachable now
	if res := e.mustGet(t, "/pkg", "cached"); !res.Stale {
		t.Fatal("not marked stale")
	}
	if _, _, err := e.get(t, "/other"); err == nil {
		t.Fatal("a path never cached from a dead upstream succeeded")
	}
}

func TestOneFetchForConcurrentRequests(t *testing.T) {
	up := newCounting(t)
	up.set("/big/-/big-1.0.0.tgz", strings.Repeat("x", 1<<20))
	gate := make(chan struct{})
	up.gate = gate
	e := newEnv(t, up.srv.URL, "generic", upstream.Options{})
	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, got, err := e.get(t, "/big/-/big-1.0.0.tgz")
			if err == nil && len(got) != 1<<20 {
				err = fmt.Errorf("got %d bytes", len(got))
			}
			errs <- err
		}()
	}
	for up.count("/big/-/big-1.0.0.tgz") == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // let the others queue behind the first
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if c := up.count("/big/-/big-1.0.0.tgz"); c != 1 {
		t.Fatalf("%d upstream fetches for %d concurrent requests, want 1", c, n)
	}
}

func TestTeeStreamsToTheClientAndStores(t *testing.T) {
	up := newCounting(t)
	up.set("/f.bin", "streamed body")
	e := newEnv(t, up.srv.URL, "generic", upstream.Options{})
	var client bytes.Buffer
	var size int64
	var etag string
	res, err := e.svc.Get(context.Background(), remote.Request{Repo: e.repo, Path: "/f.bin"}, func(_ string, n int64, tag string, _ []ports.Header) io.Writer {
		size, etag = n, tag
		return &client
	})
	if err != nil || !res.Streamed || client.String() != "streamed body" || size != 13 {
		t.Fatalf("res %+v err %v client %q size %d", res, err, client.String(), size)
	}
	// The client's answer carries the upstream's validator (the digest is
	// known only once the body went out).
	if etag == "" {
		t.Fatal("the tee got no upstream ETag")
	}
	if _, err := e.files.GetFile(context.Background(), e.repo.ID, "f.bin"); err != nil {
		t.Fatalf("not stored: %v", err)
	}
}

func TestRewritePointsDocumentsAtKeeper(t *testing.T) {
	up := newCounting(t)
	up.set("/pkg", `{"tarball":"`+up.srv.URL+`/pkg/-/pkg-1.0.0.tgz"}`)
	e := newEnv(t, up.srv.URL+"/", "npm", upstream.Options{})
	for i := range 2 {
		// The plugin's fields pass the filter on the fresh and the cached copy.
		res := e.mustGet(t, "/pkg", `{"tarball":"http://keeper.test/npm/proxy/pkg/-/pkg-1.0.0.tgz"}`)
		if want := []ports.Header{{Name: "Content-Version", Value: "1"}}; !slices.Equal(res.Headers, want) {
			t.Fatalf("GET %d: headers %v, want %v", i, res.Headers, want)
		}
	}
	if n := e.fmts.rewrites.Load(); n != 1 {
		t.Fatalf("rewrite ran %d times for one document, want 1 (cached)", n)
	}
}

func TestInvalidate(t *testing.T) {
	up := newCounting(t)
	up.set("/a/-/a-1.tgz", "a")
	up.set("/a/-/a-2.tgz", "b")
	e := newEnv(t, up.srv.URL, "generic", upstream.Options{})
	e.mustGet(t, "/a/-/a-1.tgz", "a")
	e.mustGet(t, "/a/-/a-2.tgz", "b")
	if n, err := e.svc.Invalidate(context.Background(), e.repo.ID, "/a/-/a-1.tgz", false); err != nil || n != 1 {
		t.Fatalf("invalidate path: %d, %v", n, err)
	}
	e.mustGet(t, "/a/-/a-1.tgz", "a")
	if c := up.count("/a/-/a-1.tgz"); c != 2 {
		t.Fatalf("after invalidation: %d fetches, want 2", c)
	}
	if n, err := e.svc.Invalidate(context.Background(), e.repo.ID, "a/", true); err != nil || n != 2 {
		t.Fatalf("invalidate prefix: %d, %v", n, err)
	}
	if u, err := e.svc.Usage(context.Background(), e.repo.ID); err != nil || u.Files != 0 {
		t.Fatalf("usage after invalidation: %+v %v", u, err)
	}
}

func TestPathsThatCouldEscapeAreRefused(t *testing.T) {
	up := newCounting(t)
	e := newEnv(t, up.srv.URL, "generic", upstream.Options{})
	for _, p := range []string{"/", "/a/../b", "/a//b", "/%2e%2e/x", "/a%00"} {
		if _, _, err := e.get(t, p); !errors.Is(err, ports.ErrInvalid) {
			t.Errorf("%s: err = %v, want invalid", p, err)
		}
	}

}
