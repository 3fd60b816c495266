package scan_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/core/scan"
	"github.com/keeper-registry/keeper/ports"
)

type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *stepClock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// layoutScanner records the blobs of every image layout it is given.
type layoutScanner struct {
	mu   sync.Mutex
	seen [][]string
}

func (*layoutScanner) Name() string         { return "layout" }
func (*layoutScanner) Supports(string) bool { return true }
func (s *layoutScanner) Scan(_ context.Context, t ports.ScanTarget) (ports.ScanReport, error) {
	es, err := os.ReadDir(filepath.Join(t.Path, "blobs", "sha256"))
	if err != nil {
		return ports.ScanReport{}, err
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	s.mu.Lock()
	s.seen = append(s.seen, names)
	s.mu.Unlock()
	return ports.ScanReport{Scanner: "layout"}, nil
}

type imageEnv struct {
	ctx     context.Context
	store   *bunstore.Store
	blobs   ports.BlobStore
	clock   *stepClock
	scanner *layoutScanner
	svc     *scan.Service
}

func newImageEnv(t *testing.T) *imageEnv {
	t.Helper()
	ctx := context.Background()
	s, err := bunstore.Open(ctx, filepath.Join(t.TempDir(), "keeper.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := &imageEnv{ctx: ctx, store: s, blobs: dispatchtest.NewBlobs(), clock: &stepClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		scanner: &layoutScanner{}}
	s.SetClock(e.clock)
	e.svc = scan.New(scan.Deps{Queue: s, Records: s, Settings: s, Repos: s, Files: s, Blobs: e.blobs, Clock: e.clock,
		Scanners: []ports.Scanner{e.scanner}}, scan.Config{WorkDir: t.TempDir(), BlobWait: time.Hour,
		Limits: scan.Limits{MaxBytes: 1 << 20, MaxFiles: 100}})
	return e
}

func (e *imageEnv) repo(t *testing.T, key, typ string) int64 {
	t.Helper()
	r := &ports.Repository{Key: key, Format: "generic", Type: typ}
	if err := e.store.CreateRepository(e.ctx, r); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// put stores content as path of the repository, with meta as metadata.
func (e *imageEnv) put(t *testing.T, repo int64, path, content string, meta []byte) string {
	t.Helper()
	b, err := e.blobs.Put(e.ctx, strings.NewReader(content), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	f := ports.File{Path: path, BlobDigest: b.Digest, Size: b.Size, Metadata: meta}
	if _, err := e.store.Apply(e.ctx, repo, ports.WriteSet{Puts: []ports.FilePut{{File: f, Overwrite: true}}}); err != nil {
		t.Fatal(err)
	}
	return b.Digest
}

// manifest stores a manifest whose scan layout names blobs.
func (e *imageEnv) manifest(t *testing.T, repo int64, path string, blobs ...string) string {
	t.Helper()
	l := scan.Layout{Unpack: scan.UnpackOCILayout, Mode: ports.ScanImage, MediaType: "application/x-test+json"}
	for _, b := range blobs {
		l.Blobs = append(l.Blobs, "sha256:"+b)
	}
	meta, _ := json.Marshal(map[string]any{"scan": l})
	return e.put(t, repo, path, path+" manifest", meta)
}

func (e *imageEnv) result(t *testing.T, digest string) ports.ScanResult {
	t.Helper()
	if _, err := e.svc.Drain(e.ctx); err != nil {
		t.Fatal(err)
	}
	r, err := e.store.ScanResult(e.ctx, digest)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestImageBlobsAreTheRepositorysOwn: a manifest's layout naming a blob
// another repository holds fails the scan with the reason, and that blob
// never reaches a layout; a manifest naming its own repository's blobs
// is laid out with them.
func TestImageBlobsAreTheRepositorysOwn(t *testing.T) {
	e := newImageEnv(t)
	secret, mine := e.repo(t, "secret", ports.RepoLocal), e.repo(t, "mine", ports.RepoLocal)
	foreign := e.put(t, secret, "x/blobs/layer", "another repository's layer", nil)
	config := e.put(t, mine, "app/blobs/config", "my config", nil)
	layer := e.put(t, mine, "app/blobs/layer", "my layer", nil)

	bad := e.manifest(t, mine, "app/manifests/bad", config, foreign)
	r := e.result(t, bad)
	if r.Status != ports.ScanFailed || !strings.Contains(r.Error, "blob sha256:"+foreign+" is not stored in this repository") {
		t.Fatalf("a manifest naming a foreign blob: %+v", r)
	}
	if len(e.scanner.seen) != 0 {
		t.Fatalf("the scanner was run on %v", e.scanner.seen)
	}

	good := e.manifest(t, mine, "app/manifests/good", config, layer)
	if r := e.result(t, good); r.Status != ports.ScanDone {
		t.Fatalf("own blobs: %+v", r)
	}
	want := []string{good, config, layer}
	slices.Sort(want)
	if len(e.scanner.seen) != 1 || !slices.Equal(e.scanner.seen[0], want) {
		t.Fatalf("layout blobs %v, want %v", e.scanner.seen, want)
	}
}

// TestRemoteImageWaitsForItsBlobs: the scan of an image a remote
// repository cached waits (pending, saying why) until its blobs are cached
// too, then runs; one whose blobs never come fails after the bound.
func TestRemoteImageWaitsForItsBlobs(t *testing.T) {
	e := newImageEnv(t)
	proxy, other := e.repo(t, "proxy", ports.RepoRemote), e.repo(t, "other", ports.RepoLocal)
	config := e.put(t, proxy, "app/blobs/config", "cached config", nil)
	layer := e.put(t, other, "y/blobs/layer", "a layer not cached by the proxy yet", nil)
	m := e.manifest(t, proxy, "app/manifests/1", config, layer)

	r := e.result(t, m)
	if r.Status != ports.ScanPending || !strings.Contains(r.Error, "waiting for 1 blob(s) of the image to be cached, sha256:"+layer) {
		t.Fatalf("before its layer is cached: %+v", r)
	}
	if r := e.result(t, m); r.Status != ports.ScanPending || len(e.scanner.seen) != 0 {
		t.Fatalf("claimed again before its delay: %+v %v", r, e.scanner.seen)
	}
	for range 3 { // still missing: deferred again, later each time
		e.clock.add(5 * time.Minute)
		if r := e.result(t, m); r.Status != ports.ScanPending {
			t.Fatalf("still waiting: %+v", r)
		}
	}
	e.put(t, proxy, "app/blobs/layer", "a layer not cached by the proxy yet", nil)
	e.clock.add(5 * time.Minute)
	if r := e.result(t, m); r.Status != ports.ScanDone || r.Runs != 1 {
		t.Fatalf("after its layer was cached: %+v", r)
	}
	if len(e.scanner.seen) != 1 || len(e.scanner.seen[0]) != 3 {
		t.Fatalf("layout %v", e.scanner.seen)
	}

	never := e.put(t, other, "z/blobs/layer", "never cached", nil)
	m2 := e.manifest(t, proxy, "app/manifests/2", config, never)
	for range 20 {
		e.clock.add(5 * time.Minute)
		if r := e.result(t, m2); r.Status != ports.ScanPending {
			if r.Status != ports.ScanFailed || !strings.Contains(r.Error, "blob sha256:"+never+" was not cached by this repository within 1h0m0s") {
				t.Fatalf("after the bound: %+v", r)
			}
			return
		}
	}
	t.Fatal("the scan waited beyond its bound")
}

// TestRemoteImageFetchesTheBlobsNoClientFetched: the scan of an image a
// remote repository cached, whose layout says where its blobs are, has the
// repository fetch the blobs no client fetched once BlobFetchAfter has
// passed (not before: a client pulling the image fetches them anyway), and
// only the missing ones; a fetch that fails is waited out.
func TestRemoteImageFetchesTheBlobsNoClientFetched(t *testing.T) {
	e := newImageEnv(t)
	e.svc = scan.New(scan.Deps{Queue: e.store, Records: e.store, Settings: e.store, Repos: e.store, Files: e.store, Blobs: e.blobs,
		Clock: e.clock, Scanners: []ports.Scanner{e.scanner}}, scan.Config{WorkDir: t.TempDir(), BlobWait: time.Hour,
		BlobFetchAfter: time.Minute, Limits: scan.Limits{MaxBytes: 1 << 20, MaxFiles: 100}})
	proxy, other := e.repo(t, "proxy", ports.RepoRemote), e.repo(t, "other", ports.RepoLocal)
	config := e.put(t, proxy, "app/blobs/sha256:cfg", "cached config", nil)
	layer := e.put(t, other, "y/blobs/layer", "a layer no client fetched", nil)
	l := scan.Layout{Unpack: scan.UnpackOCILayout, Mode: ports.ScanImage, MediaType: "application/x-test+json",
		Blobs: []string{"sha256:" + config, "sha256:" + layer}, BlobBase: "../blobs/"}
	meta, _ := json.Marshal(map[string]any{"scan": l})
	m := e.put(t, proxy, "app/manifests/1", "manifest", meta)

	var mu sync.Mutex
	var asked []string
	fail := true
	e.svc.UsePrefetch(func(_ context.Context, repo, path string) error {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, repo+" "+path)
		if fail {
			return context.DeadlineExceeded
		}
		e.put(t, proxy, strings.TrimPrefix(path, "/"), "a layer no client fetched", nil)
		return nil
	})
	if r := e.result(t, m); r.Status != ports.ScanPending || len(asked) != 0 {
		t.Fatalf("before BlobFetchAfter: %+v, fetched %v", r, asked)
	}
	e.clock.add(2 * time.Minute)
	if r := e.result(t, m); r.Status != ports.ScanPending || !strings.Contains(r.Error, "waiting for 1 blob(s)") {
		t.Fatalf("after a failed fetch: %+v", r)
	}
	want := "proxy /app/blobs/sha256:" + layer
	if len(asked) != 1 || asked[0] != want {
		t.Fatalf("fetched %v, want [%s]", asked, want)
	}
	fail = false
	e.clock.add(5 * time.Minute)
	if r := e.result(t, m); r.Status != ports.ScanDone || r.Runs != 1 {
		t.Fatalf("after the repository fetched the layer: %+v", r)
	}
	if len(asked) != 2 || asked[1] != want || len(e.scanner.seen) != 1 || len(e.scanner.seen[0]) != 3 {
		t.Fatalf("fetched %v, layouts %v", asked, e.scanner.seen)
	}
}
