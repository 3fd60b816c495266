package fsblob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/keeper-registry/keeper/core/gc"
	"github.com/keeper-registry/keeper/ports"
)

// bufSize is the read buffer of Put: large enough that hashing and writing run
// in big chunks, small enough to keep many concurrent uploads cheap.
const bufSize = 1 << 20

// bufPool keeps Put's buffers: a fresh 1 MiB per Put cost most of a small
// upload's CPU in allocating and clearing it (a 60-byte yank or tag body).
var bufPool = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

var (
	_ ports.BlobStore = (*Store)(nil)
	_ ports.Pinger    = (*Store)(nil)
)

// Store keeps blobs under a root directory (layout in paths.go).
// It is safe for concurrent use, also by several processes sharing the root.
type Store struct {
	root string
	// direct: teed bodies are written with O_DIRECT (direct.go).
	direct bool
}

// New opens (creating if needed) a blob store rooted at root.
func New(root string) (*Store, error) {
	if root == "" {
		return nil, fmt.Errorf("fsblob: new: %w", ports.Invalidf("root", "must not be empty"))
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("fsblob: new: %w", err)
	}
	for _, d := range []string{blobsDir, tmpDir} {
		if err := os.MkdirAll(filepath.Join(abs, d), 0o700); err != nil {
			return nil, fmt.Errorf("fsblob: new: %w", err)
		}
	}
	return &Store{root: abs}, nil
}

// UseDirectIO sets whether a body teed to a client as it is stored (a
// ports.ChunkedReader) is written around the page cache (direct.go); off
// by default. Call it before the store is used.
func (s *Store) UseDirectIO(on bool) { s.direct = on }

// Root returns the absolute root directory.
func (s *Store) Root() string { return s.root }

// Put streams r to a temp file while hashing it, then renames it into place.
// A file system out of space or quota fails it with ports.ErrStorageFull
// (the temp file removed).
func (s *Store) Put(ctx context.Context, r io.Reader, maxSize int64) (ports.Blob, error) {
	b, err := s.put(ctx, r, maxSize)
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		err = fmt.Errorf("%w (%w)", err, ports.ErrStorageFull)
	}
	return b, err
}

func (s *Store) put(ctx context.Context, r io.Reader, maxSize int64) (ports.Blob, error) {
	f, err := os.CreateTemp(filepath.Join(s.root, tmpDir), tmpOwner+"*")
	if err != nil {
		return ports.Blob{}, fmt.Errorf("fsblob: put: %w", err)
	}
	tmp := f.Name()
	committed := false
	defer func() {
		if !committed {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()

	h := sha256.New()
	var size int64
	if _, ok := r.(ports.ChunkedReader); ok && s.direct {
		// A body teed to a client as it is stored: written around the
		// page cache (direct.go).
		sw := newStagedWriter(f)
		size, err = copyHashing(ctx, sw, h, r, maxSize)
		if err == nil {
			err = sw.finish()
		}
		sw.release()
	} else {
		size, err = copyHashing(ctx, f, h, r, maxSize)
	}
	if err != nil {
		return ports.Blob{}, fmt.Errorf("fsblob: put: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		return ports.Blob{}, fmt.Errorf("fsblob: put: %w", err)
	}
	if err := f.Sync(); err != nil {
		return ports.Blob{}, fmt.Errorf("fsblob: put: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return ports.Blob{}, fmt.Errorf("fsblob: put: close: %w", err)
	}
	b := ports.Blob{Digest: hex.EncodeToString(h.Sum(nil)), Size: size}
	if err := s.commit(tmp, b.Digest); err != nil {
		return ports.Blob{}, fmt.Errorf("fsblob: put: %w", err)
	}
	committed = true
	return b, nil
}

// copyHashing copies r into w and h in one pass with a 1 MiB buffer, failing
// with ErrTooLarge as soon as more than maxSize bytes (when > 0) arrive.
func copyHashing(ctx context.Context, w io.Writer, h io.Writer, r io.Reader, maxSize int64) (int64, error) {
	if cr, ok := r.(ports.ChunkedReader); ok {
		// The reader hands out its own buffers: written as they are, not copied first.
		hw := &hashingWriter{ctx: ctx, w: w, h: h, max: maxSize}
		n, err := cr.WriteChunks(hw)
		if err != nil && !errors.Is(err, hw.err) {
			return n, fmt.Errorf("read: %w", err)
		}
		return n, err
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		k, rerr := r.Read(buf)
		if k > 0 {
			n += int64(k)
			if maxSize > 0 && n > maxSize {
				return n, fmt.Errorf("more than %d bytes: %w", maxSize, ports.ErrTooLarge)
			}
			h.Write(buf[:k])
			if _, err := w.Write(buf[:k]); err != nil {
				return n, err
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, fmt.Errorf("read: %w", rerr)
		}
	}
}

// hashingWriter is copyHashing's loop for a reader that writes itself:
// it fails, and remembers why, on a cancelled ctx, past max bytes or when
// w does.
type hashingWriter struct {
	ctx  context.Context
	w, h io.Writer
	max  int64
	n    int64
	err  error
}

func (hw *hashingWriter) Write(p []byte) (int, error) {
	if hw.err = hw.ctx.Err(); hw.err != nil {
		return 0, hw.err
	}
	hw.n += int64(len(p))
	if hw.max > 0 && hw.n > hw.max {
		hw.err = fmt.Errorf("more than %d bytes: %w", hw.max, ports.ErrTooLarge)
		return 0, hw.err
	}
	hw.h.Write(p)
	k, err := hw.w.Write(p)
	hw.err = err
	return k, err
}

// commit moves the finished temp file to the blob path of digest. If the blob
// already exists the temp file is dropped and the existing file's mtime is
// refreshed, so garbage collection's grace period counts from this Put.
func (s *Store) commit(tmp, digest string) error {
	final := s.blobPath(digest)
	dir := filepath.Dir(final)
	if _, err := os.Stat(final); err == nil {
		now := time.Now()
		if err := os.Chtimes(final, now, now); err == nil {
			return os.Remove(tmp)
		}
		// The blob vanished between Stat and Chtimes (concurrent Delete): store it again.
	}
	if err := s.ensureDir(dir); err != nil {
		return err
	}
	// Rename replaces atomically; a concurrent Put of the same content
	// renaming at the same time leaves identical bytes either way.
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("rename: %w", err)
	}
	return syncDir(dir)
}

// ensureDir creates blobs/ab/cd if missing and fsyncs the parents whose entries
// changed, so the new directories survive a crash together with the blob.
func (s *Store) ensureDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(dir)); err != nil {
		return err
	}
	return syncDir(filepath.Dir(filepath.Dir(dir)))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := d.Sync()
	cerr := d.Close()
	if serr != nil {
		return fmt.Errorf("sync %s: %w", dir, serr)
	}
	return cerr
}

// Open returns the blob file itself (an *os.File, so http.ServeContent can use
// sendfile) and its size.
func (s *Store) Open(ctx context.Context, digest string) (ports.BlobReader, int64, error) {
	if err := checkDigest("open", digest); err != nil {
		return nil, 0, err
	}
	f, err := os.Open(s.blobPath(digest))
	if err != nil {
		return nil, 0, fmt.Errorf("fsblob: open: %w", mapErr(err))
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, 0, fmt.Errorf("fsblob: open: %w", err)
	}
	return f, fi.Size(), nil
}

// Stat returns the size of a stored blob.
func (s *Store) Stat(ctx context.Context, digest string) (int64, error) {
	if err := checkDigest("stat", digest); err != nil {
		return 0, err
	}
	fi, err := os.Stat(s.blobPath(digest))
	if err != nil {
		return 0, fmt.Errorf("fsblob: stat: %w", mapErr(err))
	}
	return fi.Size(), nil
}

// LatestPut is the blob's mtime, which every Put of its content refreshes
// (gc.LatestPutter).
var _ gc.LatestPutter = (*Store)(nil)

func (s *Store) LatestPut(ctx context.Context, digest string) (time.Time, error) {
	if err := checkDigest("stat", digest); err != nil {
		return time.Time{}, err
	}
	fi, err := os.Stat(s.blobPath(digest))
	if err != nil {
		return time.Time{}, fmt.Errorf("fsblob: stat: %w", mapErr(err))
	}
	return fi.ModTime(), nil
}

// Delete removes a blob; a missing blob is not an error. Empty ab/cd
// directories are left in place: they are reused and removing them would race
// with a concurrent Put.
func (s *Store) Delete(ctx context.Context, digest string) error {
	if err := checkDigest("delete", digest); err != nil {
		return err
	}
	if err := os.Remove(s.blobPath(digest)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("fsblob: delete: %w", err)
	}
	return nil
}

// Walk calls fn for every stored blob. Files that are not blobs (wrong name
// or wrong directory) are skipped; blobs deleted during the walk are skipped.
func (s *Store) Walk(ctx context.Context, fn func(b ports.Blob, modTime time.Time) error) error {
	base := filepath.Join(s.root, blobsDir)
	err := filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path != base {
				return nil
			}
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		name := d.Name()
		if !ports.ValidDigest(name) || path != s.blobPath(name) {
			return nil
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		return fn(ports.Blob{Digest: name, Size: fi.Size()}, fi.ModTime())
	})
	if err != nil {
		return fmt.Errorf("fsblob: walk: %w", err)
	}
	return nil
}

// tmpOwner is this process's temp-name prefix: put-<host>-<pid>-.
var tmpOwner = func() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s%s-%d-", tmpPrefix, strings.ReplaceAll(host, "-", "_"), os.Getpid())
}()

// orphaned reports whether a temp file was written by a process of this host
// that no longer runs (a process killed mid-upload).
func orphaned(name string) bool {
	host, _ := os.Hostname()
	rest, ok := strings.CutPrefix(name, tmpPrefix+strings.ReplaceAll(host, "-", "_")+"-")
	if !ok || strings.HasPrefix(name, tmpOwner) {
		return false
	}
	pid, _, ok := strings.Cut(rest, "-")
	if !ok {
		return false
	}
	_, err := os.Stat("/proc/" + pid)
	return errors.Is(err, fs.ErrNotExist)
}

// CleanTemp removes in-progress files in tmp/ left behind by a process killed
// mid-upload: those of a dead process of this host at once, and any older
// than olderThan (another host sharing the root that died). Choose olderThan
// larger than the longest stall an upload of a live process may have.
func (s *Store) CleanTemp(olderThan time.Duration) (int, error) {
	dir := filepath.Join(s.root, tmpDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("fsblob: clean temp: %w", err)
	}
	cutoff := time.Now().Add(-olderThan)
	removed := 0
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if !fi.ModTime().Before(cutoff) && !orphaned(e.Name()) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		removed++
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("fsblob: clean temp: %w", err)
	}
	return removed, nil
}

// Ping checks that the root is writable by creating and removing a file in tmp/.
func (s *Store) Ping(ctx context.Context) error {
	f, err := os.CreateTemp(filepath.Join(s.root, tmpDir), "ping-*")
	if err != nil {
		return fmt.Errorf("fsblob: ping: %w", err)
	}
	name := f.Name()
	cerr := f.Close()
	rerr := os.Remove(name)
	if err := errors.Join(cerr, rerr); err != nil {
		return fmt.Errorf("fsblob: ping: %w", err)
	}
	return nil
}

func mapErr(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %w", ports.ErrNotFound, err)
	}
	return err
}
