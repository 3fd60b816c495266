package repository

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// countingStore is an in-memory metadata store that counts reads.
type countingStore struct {
	ports.RepositoryStore
	ports.FileStore
	repo      ports.Repository
	files     map[string]ports.File
	repoReads int
	fileReads int
}

func (s *countingStore) GetRepository(_ context.Context, key string) (ports.Repository, error) {
	s.repoReads++
	if key != s.repo.Key {
		return ports.Repository{}, ports.ErrNotFound
	}
	return s.repo, nil
}

func (s *countingStore) GetFile(_ context.Context, _ int64, path string) (ports.File, error) {
	s.fileReads++
	f, ok := s.files[path]
	if !ok {
		return f, ports.ErrNotFound
	}
	return f, nil
}

func (s *countingStore) Apply(_ context.Context, _ int64, ws ports.WriteSet) (int64, error) {
	for _, p := range ws.Puts {
		s.files[p.File.Path] = p.File
	}
	for _, d := range ws.Deletes {
		delete(s.files, d)
	}
	s.repo.Generation++
	return s.repo.Generation, nil
}

type manualClock struct{ t time.Time }

func (c *manualClock) Now() time.Time { return c.t }

func TestCacheServesWarmReadsFromMemoryAndSeesWrites(t *testing.T) {
	ctx := context.Background()
	st := &countingStore{repo: ports.Repository{ID: 7, Key: "libs", Generation: 1}, files: map[string]ports.File{"a": {Path: "a", SHA256: "1"}}}
	clock := &manualClock{t: time.Unix(1000, 0)}
	c := NewCache(st, st, clock, 2*time.Second, 100)

	for i := 0; i < 10; i++ {
		r, err := c.GetRepository(ctx, "libs")
		if err != nil || r.ID != 7 {
			t.Fatal(r, err)
		}
		f, err := c.GetFile(ctx, r.ID, "a")
		if err != nil || f.SHA256 != "1" {
			t.Fatal(f, err)
		}
		if _, err := c.GetFile(ctx, r.ID, "missing"); !errors.Is(err, ports.ErrNotFound) {
			t.Fatal(err)
		}
	}
	if st.repoReads != 1 || st.fileReads != 2 {
		t.Fatalf("warm reads hit the store: %d repository, %d file reads", st.repoReads, st.fileReads)
	}

	// A write through the cache is visible at once, with the new generation.
	if _, err := c.Apply(ctx, 7, ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{Path: "a", SHA256: "2"}, Overwrite: true}},
		Deletes: nil}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(ctx, 7, ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{Path: "missing", SHA256: "3"}}}}); err != nil {
		t.Fatal(err)
	}
	r, _ := c.GetRepository(ctx, "libs")
	if r.Generation != 3 {
		t.Fatalf("generation after writes: %d", r.Generation)
	}
	if f, _ := c.GetFile(ctx, 7, "a"); f.SHA256 != "2" {
		t.Fatalf("stale file after write: %+v", f)
	}
	if f, err := c.GetFile(ctx, 7, "missing"); err != nil || f.SHA256 != "3" {
		t.Fatalf("remembered miss survived a write: %+v %v", f, err)
	}

	// Another replica's write (straight to the store) is seen once TTL passed.
	st.files["a"] = ports.File{Path: "a", SHA256: "4"}
	st.repo.Generation++
	if f, _ := c.GetFile(ctx, 7, "a"); f.SHA256 != "2" {
		t.Fatalf("within TTL the cached row is expected, got %+v", f)
	}
	clock.t = clock.t.Add(3 * time.Second)
	c.GetRepository(ctx, "libs")
	if f, _ := c.GetFile(ctx, 7, "a"); f.SHA256 != "4" {
		t.Fatalf("after TTL the other replica's write must show, got %+v", f)
	}
}

func TestCacheReturnsCopies(t *testing.T) {
	st := &countingStore{repo: ports.Repository{ID: 1, Key: "k", Config: map[string]string{"a": "1"}}, files: map[string]ports.File{}}
	c := NewCache(st, st, &manualClock{t: time.Unix(0, 0)}, time.Minute, 10)
	r, _ := c.GetRepository(context.Background(), "k")
	r.Config["a"] = "changed"
	r2, _ := c.GetRepository(context.Background(), "k")
	if r2.Config["a"] != "1" {
		t.Fatal("a caller's change leaked into the cache")
	}
}
