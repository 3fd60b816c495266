package fsblob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/fsblob"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func newStore(t *testing.T) *fsblob.Store {
	t.Helper()
	s, err := fsblob.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	porttest.BlobStore(t, func(t *testing.T) ports.BlobStore {
		s := newStore(t)
		t.Cleanup(func() { assertTempEmpty(t, s) })
		return s
	})
}

// assertTempEmpty checks that no put, failed or not, left a temp file behind.
func assertTempEmpty(t *testing.T, s *fsblob.Store) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(s.Root(), "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("temp file left behind: %s", e.Name())
	}
}

func TestLayout(t *testing.T) {
	s := newStore(t)
	b, err := s.Put(context.Background(), bytes.NewReader([]byte("hello")), 0)
	if err != nil {
		t.Fatal(err)
	}
	const want = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
	path := filepath.Join(s.Root(), "blobs", "2c", "f2", want)
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "hello" || b.Digest != want {
		t.Fatalf("blob at %s = %q, %v (digest %s)", path, got, err, b.Digest)
	}
}

func TestOpenReturnsOSFile(t *testing.T) {
	s := newStore(t)
	b, err := s.Put(context.Background(), bytes.NewReader([]byte("sendfile me")), 0)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := s.Open(context.Background(), b.Digest)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, ok := r.(*os.File); !ok {
		t.Fatalf("Open returned %T, want *os.File so http.ServeContent can use sendfile", r)
	}
}

func TestCleanTemp(t *testing.T) {
	s := newStore(t)
	tmp := filepath.Join(s.Root(), "tmp")
	old := filepath.Join(tmp, "put-old")
	fresh := filepath.Join(tmp, "put-fresh")
	for _, p := range []string{old, fresh} {
		if err := os.WriteFile(p, []byte("partial upload"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	n, err := s.CleanTemp(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("removed %d files, want 1", n)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Fatalf("stale temp file still there: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Fatalf("fresh temp file (maybe an upload in progress) was removed: %v", err)
	}
	// Walk never reports temp files as blobs.
	if err := s.Walk(context.Background(), func(b ports.Blob, _ time.Time) error {
		t.Errorf("walk reported %s with only temp files present", b.Digest)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestDedupRefreshesModTime(t *testing.T) {
	// GC sweeps unreferenced blobs older than a grace period; a Put of content
	// already stored must restart that period or GC could delete the blob
	// before the new reference is committed.
	s := newStore(t)
	ctx := context.Background()
	b, err := s.Put(ctx, bytes.NewReader([]byte("shared")), 0)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.Root(), "blobs", b.Digest[:2], b.Digest[2:4], b.Digest)
	past := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(path, past, past); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, bytes.NewReader([]byte("shared")), 0); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.ModTime().After(past.Add(time.Hour)) {
		t.Fatalf("mod time still %v after a second put", fi.ModTime())
	}
}

func TestInvalidDigestStaysInsideRoot(t *testing.T) {
	parent := t.TempDir()
	victim := filepath.Join(parent, "victim")
	if err := os.WriteFile(victim, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := fsblob.New(filepath.Join(parent, "root"))
	if err != nil {
		t.Fatal(err)
	}
	// Long enough to reach parent/victim from root/blobs/ab/cd/ if it were joined.
	for _, d := range []string{"../../../../victim", strings.Repeat("../", 19) + "victim/"} {
		if err := s.Delete(context.Background(), d); err == nil {
			t.Errorf("delete(%q) succeeded", d)
		}
	}
	if _, err := os.Stat(victim); err != nil {
		t.Fatalf("file outside the root was touched: %v", err)
	}
}

func TestPing(t *testing.T) {
	s := newStore(t)
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A root whose tmp/ disappeared (unmounted volume, wrong path) is not ready.
	if err := os.RemoveAll(filepath.Join(s.Root(), "tmp")); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(context.Background()); err == nil {
		t.Fatal("ping succeeded without a writable tmp/")
	}
}

// TestLatestPutCountsFromTheLastPut: storing content that is already there
// moves LatestPut forward (gc.Spools relies on it across replicas).
func TestLatestPutCountsFromTheLastPut(t *testing.T) {
	root := t.TempDir()
	s, err := fsblob.New(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	b, err := s.Put(ctx, strings.NewReader("layer"), 0)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	err = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && strings.Contains(p, b.Digest) {
			return os.Chtimes(p, old, old)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if at, err := s.LatestPut(ctx, b.Digest); err != nil || at.After(old.Add(time.Second)) {
		t.Fatalf("LatestPut = %v, %v; want about %v", at, err, old)
	}
	if _, err := s.Put(ctx, strings.NewReader("layer"), 0); err != nil {
		t.Fatal(err)
	}
	if at, err := s.LatestPut(ctx, b.Digest); err != nil || time.Since(at) > time.Minute {
		t.Fatalf("LatestPut after a second Put = %v, %v; want now", at, err)
	}
	if _, err := s.LatestPut(ctx, strings.Repeat("0", 64)); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("missing blob: %v", err)
	}
}

// chunks is a ports.ChunkedReader that hands out its pieces, then err.
type chunks struct {
	pieces [][]byte
	err    error
}

func (c *chunks) Read([]byte) (int, error) { return 0, errors.New("Read called: WriteChunks expected") }

func (c *chunks) WriteChunks(w io.Writer) (int64, error) {
	var n int64
	for _, p := range c.pieces {
		k, err := w.Write(p)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, c.err
}

// TestPutTakesChunksAsTheyAre: a body that writes its own buffers is
// stored and hashed whole; past the size limit, or when it fails, nothing
// is stored and no temp file is left.
func TestPutTakesChunksAsTheyAre(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	pieces := [][]byte{[]byte("hel"), []byte("lo")}
	b, err := s.Put(ctx, &chunks{pieces: pieces}, 0)
	const want = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
	if err != nil || b.Digest != want || b.Size != 5 {
		t.Fatalf("put: %+v %v", b, err)
	}
	if _, err := s.Put(ctx, &chunks{pieces: [][]byte{[]byte("1234"), []byte("56")}}, 5); !errors.Is(err, ports.ErrTooLarge) {
		t.Fatalf("past the limit: %v", err)
	}
	broken := errors.New("upstream went away")
	if _, err := s.Put(ctx, &chunks{pieces: [][]byte{[]byte("abc")}, err: broken}, 0); !errors.Is(err, broken) {
		t.Fatalf("failing body: %v", err)
	}
	if _, err := s.Stat(ctx, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("the failed body was stored: %v", err)
	}
	assertTempEmpty(t, s)
}

// BenchmarkPutSmall is a small body's Put (a tag, a yank, a manifest):
// allocation per Put is what it shows (-benchmem).
func BenchmarkPutSmall(b *testing.B) {
	s, err := fsblob.New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"project":"other-pkg","version":"1.0.0","yanked":true}`)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		body[len(body)-2] = byte('a' + i%26)
		if _, err := s.Put(b.Context(), bytes.NewReader(body), 0); err != nil {
			b.Fatal(err)
		}
	}
}
