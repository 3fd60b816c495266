package gc_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/core/gc"
	"github.com/keeper-registry/keeper/ports"
)

// storedBlobs is the in-memory blob store with the time each blob was last
// stored (gc.LatestPutter), which a test may set as if another replica did.
type storedBlobs struct {
	*dispatchtest.Blobs
	clock *movingClock
	mu    sync.Mutex
	at    map[string]time.Time
}

func (s *storedBlobs) Put(ctx context.Context, r io.Reader, maxSize int64) (ports.Blob, error) {
	b, err := s.Blobs.Put(ctx, r, maxSize)
	if err == nil {
		s.mu.Lock()
		s.at[b.Digest] = s.clock.Now()
		s.mu.Unlock()
	}
	return b, err
}

func (s *storedBlobs) LatestPut(ctx context.Context, digest string) (time.Time, error) {
	if _, err := s.Stat(ctx, digest); err != nil {
		return time.Time{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.at[digest], nil
}

type movingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movingClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *movingClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type chunkUploads struct {
	ports.UploadStore
	digests []string
}

func (u chunkUploads) ChunkDigests(context.Context) ([]string, error) { return u.digests, nil }

// TestSpoolsRemoveFailedUploads (issue 22.7): the body of an upload that
// never got a file row is deleted once the grace has passed, and only then;
// a body a file, a live upload or a plugin holds stays, and so does one
// stored again within the grace, here or (LatestPut) on another replica.
func TestSpoolsRemoveFailedUploads(t *testing.T) {
	ctx := context.Background()
	clk := &movingClock{t: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
	repos := dispatchtest.NewRepos()
	files := dispatchtest.NewFiles(repos)
	raw := &storedBlobs{Blobs: dispatchtest.NewBlobs(), clock: clk, at: map[string]time.Time{}}
	plugins := dispatchtest.NewPlugins()
	uploads := &chunkUploads{}
	sp := gc.NewSpools(gc.Deps{Files: files, Blobs: raw, Uploads: uploads, Plugins: plugins, Clock: clk}, 10*time.Minute)
	blobs := sp.Wrap(raw)
	put := func(s string) string {
		b, err := blobs.Put(ctx, strings.NewReader(s), 0)
		if err != nil {
			t.Fatal(err)
		}
		return b.Digest
	}
	failed := put("body of a plugin call that timed out")
	committed := put("published package")
	chunk := put("chunk of a live upload session")
	module := put("plugin module")
	elsewhere := put("layer pushed again on another replica")
	again := put("layer pushed again here")

	r := &ports.Repository{Key: "a", Format: "generic", Type: "local"}
	if err := repos.CreateRepository(ctx, r); err != nil {
		t.Fatal(err)
	}
	ws := ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{Path: "p", BlobDigest: committed}}}}
	if _, err := files.Apply(ctx, r.ID, ws); err != nil {
		t.Fatal(err)
	}
	uploads.digests = []string{chunk}
	if err := plugins.SavePlugin(ctx, &ports.PluginRecord{ID: "p", Digest: module}); err != nil {
		t.Fatal(err)
	}

	clk.add(9 * time.Minute)
	if n, err := sp.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("sweep within the grace: %d deleted, %v", n, err)
	}
	raw.mu.Lock()
	raw.at[elsewhere] = clk.Now() // another replica's Put of the same content
	raw.mu.Unlock()
	put("layer pushed again here")
	clk.add(2 * time.Minute)
	n, err := sp.Sweep(ctx)
	if err != nil || n != 1 {
		t.Fatalf("sweep after the grace: %d deleted, %v; want 1", n, err)
	}
	if _, err := raw.Stat(ctx, failed); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("the failed upload's body survived: %v", err)
	}
	for name, d := range map[string]string{"committed": committed, "chunk": chunk, "module": module, "elsewhere": elsewhere, "again": again} {
		if _, err := raw.Stat(ctx, d); err != nil {
			t.Errorf("%s blob deleted: %v", name, err)
		}
	}
	if sp.Pending() != 1 { // only "again" is still remembered (stored 2 min ago)
		t.Fatalf("%d blobs still remembered, want 1", sp.Pending())
	}
	clk.add(10 * time.Minute)
	if n, err := sp.Sweep(ctx); err != nil || n != 1 || sp.Pending() != 0 {
		t.Fatalf("last sweep: %d deleted, %v, %d pending; want the unreferenced re-push gone", n, err, sp.Pending())
	}
}
