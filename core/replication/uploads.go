package replication

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/ports"
)

// ErrUploadOffset: a chunk did not start where the receiving session stands.
var ErrUploadOffset = errors.New("chunk does not start at the session offset")

// StartUpload opens a receiving session for a blob of size bytes whose
// SHA-256 is sha256; its chunks are kept in the database and the blob
// store, so it survives a restart of this instance.
func (s *Service) StartUpload(ctx context.Context, userID int64, sha256 string, size, maxSize int64) (ports.UploadSession, error) {
	if err := ports.CheckDigest(sha256); err != nil {
		return ports.UploadSession{}, err
	}
	if size <= 0 || size > maxSize {
		return ports.UploadSession{}, fmt.Errorf("replication: size %d is not within 1..%d: %w", size, maxSize, ports.ErrTooLarge)
	}
	now := s.d.Clock.Now()
	u := ports.UploadSession{ID: randomHex(16), ArtifactPath: uploadMarker + sha256, TotalSize: size,
		ChecksumSHA256: sha256, CreatedBy: userID, CreatedAt: now, UpdatedAt: now}
	if err := s.d.Uploads.CreateUpload(ctx, &u); err != nil {
		return u, fmt.Errorf("replication: start upload: %w", err)
	}
	return u, nil
}

// Upload returns a receiving session the caller opened; ErrNotFound otherwise.
func (s *Service) Upload(ctx context.Context, userID int64, id string) (ports.UploadSession, error) {
	u, err := s.d.Uploads.GetUpload(ctx, id)
	if err == nil && (u.CreatedBy != userID || !strings.HasPrefix(u.ArtifactPath, uploadMarker)) {
		err = ports.ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("replication: upload: %w", err)
	}
	return u, nil
}

// AppendChunk stores body as the chunk at offset after checking it against
// its own SHA-256 (chunkSHA256), and returns the new offset.
func (s *Service) AppendChunk(ctx context.Context, userID int64, id string, offset int64, chunkSHA256 string, body io.Reader) (int64, error) {
	u, err := s.Upload(ctx, userID, id)
	if err != nil {
		return 0, err
	}
	if offset != u.Offset {
		return u.Offset, fmt.Errorf("replication: chunk at %d, session at %d: %w", offset, u.Offset, ErrUploadOffset)
	}
	if err := ports.CheckDigest(chunkSHA256); err != nil {
		return u.Offset, err
	}
	room := u.TotalSize - u.Offset
	if room == 0 {
		return u.Offset, ports.Invalidf("offset", "all %d bytes were already received", u.TotalSize)
	}
	b, err := s.d.Blobs.Put(ctx, body, room)
	if errors.Is(err, ports.ErrTooLarge) {
		return u.Offset, ports.Invalidf("body", "chunk runs past the size %d", u.TotalSize)
	}
	if err != nil {
		return u.Offset, fmt.Errorf("replication: store chunk: %w", err)
	}
	if b.Digest != chunkSHA256 {
		return u.Offset, ports.Invalidf("chunk_sha256", "the chunk's bytes do not match its SHA-256")
	}
	if b.Size == 0 {
		return u.Offset, ports.Invalidf("body", "empty chunk")
	}
	u, err = s.d.Uploads.AppendChunk(ctx, id, ports.UploadChunk{Offset: offset, Size: b.Size, Digest: b.Digest})
	if errors.Is(err, ports.ErrConflict) {
		return u.Offset, fmt.Errorf("replication: another chunk arrived first: %w", ErrUploadOffset)
	}
	if err != nil {
		return u.Offset, fmt.Errorf("replication: append chunk: %w", err)
	}
	return u.Offset, nil
}

// CompleteUpload verifies the whole blob's SHA-256, stores it and ends the session.
func (s *Service) CompleteUpload(ctx context.Context, userID int64, id string) error {
	u, err := s.Upload(ctx, userID, id)
	if err != nil {
		return err
	}
	if u.Offset != u.TotalSize {
		return ports.Invalidf("upload", "%d of %d bytes received", u.Offset, u.TotalSize)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(s.concat(ctx, u, pw)) }()
	_, err = artifact.Ingest(ctx, s.d.Blobs, pr, u.TotalSize, artifact.Expect{SHA256: u.ChecksumSHA256}, false)
	pr.CloseWithError(err)
	if err != nil {
		return err
	}
	if err := s.d.Uploads.DeleteUpload(ctx, id); err != nil && !errors.Is(err, ports.ErrNotFound) {
		return fmt.Errorf("replication: end upload: %w", err)
	}
	return nil
}

func (s *Service) concat(ctx context.Context, u ports.UploadSession, w io.Writer) error {
	for _, c := range u.Chunks {
		r, _, err := s.d.Blobs.Open(ctx, c.Digest)
		if err != nil {
			return fmt.Errorf("replication: chunk at %d: %w", c.Offset, err)
		}
		_, err = io.Copy(w, r)
		r.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
