package ports

import (
	"context"
	"time"
)

// UploadSession is a resumable upload; its chunks are stored as blobs so a
// session survives restarts and can continue on any replica.
type UploadSession struct {
	ID             string
	RepositoryKey  string
	ArtifactPath   string
	TotalSize      int64
	ChecksumSHA256 string
	// Offset is the number of bytes received so far.
	Offset    int64
	Chunks    []UploadChunk
	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// UploadChunk is a contiguous range of the upload stored as one blob.
type UploadChunk struct {
	Offset int64
	Size   int64
	Digest string
}

// UploadStore persists upload sessions.
type UploadStore interface {
	CreateUpload(ctx context.Context, s *UploadSession) error
	GetUpload(ctx context.Context, id string) (UploadSession, error)
	// AppendChunk records c if c.Offset equals the session's current offset;
	// otherwise it returns ErrConflict and records nothing.
	AppendChunk(ctx context.Context, id string, c UploadChunk) (UploadSession, error)
	DeleteUpload(ctx context.Context, id string) error
	// ListUploads returns sessions last updated before the given time (for expiry).
	ListUploads(ctx context.Context, updatedBefore time.Time, limit int) ([]UploadSession, error)
	// ChunkDigests returns every digest referenced by a live upload (for GC).
	ChunkDigests(ctx context.Context) ([]string, error)
}
