package artifact

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha512"
	"fmt"
	"hash"
	"io"

	"github.com/keeper-registry/keeper/ports"
)

// DigestStore persists digests computed after the upload (adapters/bunstore).
type DigestStore interface {
	// FillDigests records sha1, md5 and sha512 on every file whose content
	// is the blob of digest (the same bytes have the same digests).
	FillDigests(ctx context.Context, blobDigest string, d Digests) error
}

// WithDigestStore makes WithDigests persist what it computes.
func (s *Service) WithDigestStore(ds DigestStore) *Service {
	s.digests = ds
	return s
}

// WithDigests returns f with its sha1, md5 and sha512. Uploads through the
// REST API compute only sha256 (and the checksums the client promised)
// while the body streams in; the others are computed here the first time
// they are asked for, in one read of the blob, and stored, so later reads
// (and every file with the same content) have them at no cost.
func (s *Service) WithDigests(ctx context.Context, f ports.File) (ports.File, error) {
	if f.SHA1 != "" && f.MD5 != "" && f.SHA512 != "" || f.BlobDigest == "" {
		return f, nil
	}
	rd, _, err := s.blobs.Open(ctx, f.BlobDigest)
	if err != nil {
		return f, fmt.Errorf("artifact %q: open blob: %w", f.Path, err)
	}
	defer rd.Close()
	ph := newParallelHash(map[string]hash.Hash{"sha1": sha1.New(), "md5": md5.New(), "sha512": sha512.New()})
	defer ph.close()
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return f, err
		}
		n, err := rd.Read(buf)
		if n > 0 {
			ph.write(buf[:n])
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return f, fmt.Errorf("artifact %q: read blob: %w", f.Path, err)
		}
	}
	sums := ph.sums()
	f.SHA1, f.MD5, f.SHA512 = sums["sha1"], sums["md5"], sums["sha512"]
	if s.digests != nil {
		if err := s.digests.FillDigests(ctx, f.BlobDigest, Digests{SHA256: f.BlobDigest, SHA1: f.SHA1, MD5: f.MD5, SHA512: f.SHA512, Size: f.Size}); err != nil {
			return f, fmt.Errorf("artifact %q: store digests: %w", f.Path, err)
		}
	}
	return f, nil
}
