package ports

import (
	"context"
	"io"
	"time"
)

// Blob describes content stored under its SHA-256 digest (lower-case hex, no prefix).
type Blob struct {
	Digest string
	Size   int64
}

// BlobReader is an open stored blob. When the adapter can, it is an *os.File
// underneath, so http.ServeContent can use sendfile.
type BlobReader interface {
	io.ReadSeekCloser
}

// BlobStore keeps content addressed by SHA-256. Identical content is stored once.
type BlobStore interface {
	// Put streams r into the store while hashing it and returns the digest and
	// size. Nothing is visible under the final digest until Put succeeds. If
	// maxSize > 0 and r is longer, Put fails with ErrTooLarge and stores nothing.
	Put(ctx context.Context, r io.Reader, maxSize int64) (Blob, error)
	// Open returns a reader positioned at the start of the blob, or ErrNotFound.
	Open(ctx context.Context, digest string) (BlobReader, int64, error)
	// Stat returns the size of a stored blob, or ErrNotFound.
	Stat(ctx context.Context, digest string) (int64, error)
	// Delete removes a blob; deleting a missing blob is not an error.
	Delete(ctx context.Context, digest string) error
	// Walk calls fn for every stored blob with its last modification time (for GC).
	Walk(ctx context.Context, fn func(b Blob, modTime time.Time) error) error
}
