package upload

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/ports"
)

var sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ErrOffset: a chunk did not start where the session stands.
var ErrOffset = errors.New("chunk does not start at the session offset")

// Service creates, feeds and completes upload sessions.
type Service struct {
	store     ports.UploadStore
	blobs     ports.BlobStore
	artifacts *artifact.Service
	clock     ports.Clock
	maxSize   int64
}

// NewService returns a Service; maxSize caps a session's total size.
func NewService(store ports.UploadStore, blobs ports.BlobStore, artifacts *artifact.Service, clock ports.Clock, maxSize int64) *Service {
	return &Service{store: store, blobs: blobs, artifacts: artifacts, clock: clock, maxSize: maxSize}
}

// Start opens a session for an artifact of totalSize bytes with the given sha256.
func (s *Service) Start(ctx context.Context, userID int64, repoKey, path string, totalSize int64, sha string) (ports.UploadSession, error) {
	_, p, err := s.artifacts.Writable(ctx, repoKey, path)
	if err != nil {
		return ports.UploadSession{}, err
	}
	if totalSize < 0 {
		return ports.UploadSession{}, ports.Invalidf("total_size", "must not be negative")
	}
	if totalSize > s.maxSize {
		return ports.UploadSession{}, fmt.Errorf("upload: total_size %d exceeds the limit of %d bytes: %w", totalSize, s.maxSize, ports.ErrTooLarge)
	}
	if !sha256Pattern.MatchString(sha) {
		return ports.UploadSession{}, ports.Invalidf("checksum_sha256", "must be 64 lower-case hex digits")
	}
	id, err := newID()
	if err != nil {
		return ports.UploadSession{}, err
	}
	now := s.clock.Now()
	sess := ports.UploadSession{ID: id, RepositoryKey: repoKey, ArtifactPath: p, TotalSize: totalSize,
		ChecksumSHA256: sha, CreatedBy: userID, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateUpload(ctx, &sess); err != nil {
		return sess, fmt.Errorf("upload: create: %w", err)
	}
	return sess, nil
}

// Get returns a session.
func (s *Service) Get(ctx context.Context, id string) (ports.UploadSession, error) {
	sess, err := s.store.GetUpload(ctx, id)
	if err != nil {
		return sess, fmt.Errorf("upload %q: %w", id, err)
	}
	return sess, nil
}

// Append stores body as the chunk starting at offset. The chunk must start at
// the session's current offset and must not run past the total size.
func (s *Service) Append(ctx context.Context, id string, offset int64, body io.Reader) (ports.UploadSession, error) {
	sess, err := s.Get(ctx, id)
	if err != nil {
		return sess, err
	}
	if offset != sess.Offset {
		return sess, fmt.Errorf("upload %q: chunk starts at %d but %d bytes are stored: %w", id, offset, sess.Offset, ErrOffset)
	}
	room := sess.TotalSize - sess.Offset
	if room == 0 {
		return sess, ports.Invalidf("content-range", "all %d bytes were already received", sess.TotalSize)
	}
	b, err := s.blobs.Put(ctx, body, room)
	if errors.Is(err, ports.ErrTooLarge) {
		return sess, ports.Invalidf("content-range", "chunk runs past total_size %d", sess.TotalSize)
	}
	if err != nil {
		return sess, fmt.Errorf("upload %q: store chunk: %w", id, err)
	}
	if b.Size == 0 {
		return sess, nil
	}
	sess, err = s.store.AppendChunk(ctx, id, ports.UploadChunk{Offset: offset, Size: b.Size, Digest: b.Digest})
	if errors.Is(err, ports.ErrConflict) {
		return sess, fmt.Errorf("upload %q: another chunk arrived first: %w", id, ErrOffset)
	}
	if errors.Is(err, ports.ErrTooLarge) {
		return sess, ports.Invalidf("content-range", "chunk runs past total_size %d", sess.TotalSize)
	}
	return sess, err
}

// Complete verifies size and sha256, records the artifact and ends the session.
func (s *Service) Complete(ctx context.Context, id string) (ports.File, error) {
	sess, err := s.Get(ctx, id)
	if err != nil {
		return ports.File{}, err
	}
	if sess.Offset != sess.TotalSize {
		return ports.File{}, ports.Invalidf("upload", "%d of %d bytes received", sess.Offset, sess.TotalSize)
	}
	repo, p, err := s.artifacts.Writable(ctx, sess.RepositoryKey, sess.ArtifactPath)
	if err != nil {
		return ports.File{}, err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(s.concat(ctx, sess, pw)) }()
	d, err := artifact.Ingest(ctx, s.blobs, pr, sess.TotalSize, artifact.Expect{SHA256: sess.ChecksumSHA256}, false)
	pr.CloseWithError(err)
	if err != nil {
		return ports.File{}, err
	}
	f, err := s.artifacts.Record(ctx, repo, p, d, "")
	if err != nil {
		return f, err
	}
	if err := s.store.DeleteUpload(ctx, id); err != nil && !errors.Is(err, ports.ErrNotFound) {
		return f, fmt.Errorf("upload %q: end session: %w", id, err)
	}
	return f, nil
}

// Cancel ends a session; its chunks become garbage.
func (s *Service) Cancel(ctx context.Context, id string) error {
	if err := s.store.DeleteUpload(ctx, id); err != nil {
		return fmt.Errorf("upload %q: %w", id, err)
	}
	return nil
}

func (s *Service) concat(ctx context.Context, sess ports.UploadSession, w io.Writer) error {
	for _, c := range sess.Chunks {
		r, _, err := s.blobs.Open(ctx, c.Digest)
		if err != nil {
			return fmt.Errorf("upload: chunk at %d: %w", c.Offset, err)
		}
		_, err = io.Copy(w, r)
		r.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("upload: session id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Expire ends sessions idle for longer than ttl and returns how many ended;
// their chunks become garbage for the blob collector.
func (s *Service) Expire(ctx context.Context, ttl time.Duration) (int, error) {
	n := 0
	for {
		old, err := s.store.ListUploads(ctx, s.clock.Now().Add(-ttl), 100)
		if err != nil {
			return n, fmt.Errorf("upload: list idle sessions: %w", err)
		}
		for _, u := range old {
			if err := s.store.DeleteUpload(ctx, u.ID); err != nil && !errors.Is(err, ports.ErrNotFound) {
				return n, fmt.Errorf("upload: expire %q: %w", u.ID, err)
			}
			n++
		}
		if len(old) < 100 {
			return n, nil
		}
	}
}
