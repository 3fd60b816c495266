package scan

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/keeper-registry/keeper/ports"
)

// Signatures verifies a detached signature against the signing keys
// Keeper knows (core/signing.Service.VerifyDetached).
type Signatures interface {
	VerifyDetached(ctx context.Context, open func() (io.ReadCloser, error), sig []byte) (ports.SigningKey, error)
}

// signatureSuffixes name the detached OpenPGP signature stored beside an
// artifact: ASCII-armored (RFC 9580 §6.2, https://www.rfc-editor.org/rfc/rfc9580#section-6.2)
// or binary.
var signatureSuffixes = []string{".asc", ".sig"}

// maxSignatureBytes bounds a detached signature read for a gate.
const maxSignatureBytes = 64 << 10

// signatureReasons is why a gate that requires a signature fails f of
// repo: none when f carries a detached signature beside it that a Keeper
// signing key (active or retired, not revoked) verifies.
func (s *Service) signatureReasons(ctx context.Context, g ports.QualityGate, repo ports.Repository, f ports.File) ([]string, error) {
	if !g.RequireSignature {
		return nil, nil
	}
	found := false
	for _, suffix := range signatureSuffixes {
		sf, err := s.d.Files.GetFile(ctx, repo.ID, f.Path+suffix)
		if errors.Is(err, ports.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("scan: signature of %s: %w", f.Path, err)
		}
		found = true
		if sf.Size > maxSignatureBytes || s.d.Signatures == nil {
			continue
		}
		sig, err := s.readBlob(ctx, sf.BlobDigest)
		if err != nil {
			return nil, err
		}
		_, err = s.d.Signatures.VerifyDetached(ctx, func() (io.ReadCloser, error) {
			rc, _, err := s.d.Blobs.Open(ctx, f.BlobDigest)
			return rc, err
		}, sig)
		if err == nil {
			return nil, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	if found {
		return []string{"no signing key Keeper knows verifies its signature"}, nil
	}
	return []string{"not signed"}, nil
}

func (s *Service) readBlob(ctx context.Context, digest string) ([]byte, error) {
	rc, _, err := s.d.Blobs.Open(ctx, digest)
	if err != nil {
		return nil, fmt.Errorf("scan: read signature: %w", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxSignatureBytes))
	if err != nil {
		return nil, fmt.Errorf("scan: read signature: %w", err)
	}
	return b, nil
}
