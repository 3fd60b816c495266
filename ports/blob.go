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

// ChunkedReader is a body for BlobStore.Put that holds its bytes in
// buffers of its own (a download teed to a client): a store may take
// them with WriteChunks, which writes each buffer to w as it is, instead
// of copying every byte into a buffer of its own first. WriteChunks
// returns the body's error, nil at its end, or w's. Such a body reaches
// its client as it is stored, so a store may write it around its cache
// (fsblob: O_DIRECT).
type ChunkedReader interface {
	io.Reader
	WriteChunks(w io.Writer) (int64, error)
}

// ValidDigest reports whether d is a blob digest in the form stores key
// blobs by: 64 lower-case hex characters, the only form that may ever reach
// a file path or an object key.
func ValidDigest(d string) bool {
	if len(d) != 64 {
		return false
	}
	for i := 0; i < len(d); i++ {
		c := d[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// CheckDigest is an *InvalidError for a digest that is not ValidDigest.
func CheckDigest(d string) error {
	if !ValidDigest(d) {
		return Invalidf("digest", "want 64 lower-case hex characters")
	}
	return nil
}
