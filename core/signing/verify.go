package signing

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/keeper-registry/keeper/ports"
)

// ErrNotSigned is a signature that no key Keeper knows verifies.
var ErrNotSigned = errors.New("signing: no Keeper signing key verifies the signature")

// VerifyDetached returns the Keeper signing key (active or retired, never
// revoked) whose public key verifies sig as a detached signature of the
// data open returns; ErrNotSigned when none does.
func (s *Service) VerifyDetached(ctx context.Context, open func() (io.ReadCloser, error), sig []byte) (ports.SigningKey, error) {
	v, ok := s.crypto.(ports.SignatureVerifier)
	if !ok {
		return ports.SigningKey{}, fmt.Errorf("signing: %w: signatures cannot be verified", ports.ErrInvalid)
	}
	keys, err := s.store.ListSigningKeys(ctx)
	if err != nil {
		return ports.SigningKey{}, fmt.Errorf("signing: keys: %w", err)
	}
	for _, k := range keys {
		if k.Status == ports.KeyRevoked {
			continue
		}
		rc, err := open()
		if err != nil {
			return ports.SigningKey{}, fmt.Errorf("signing: verify: %w", err)
		}
		err = v.Verify(k.PublicKey, rc, sig)
		rc.Close()
		if err == nil {
			return k, nil
		}
	}
	return ports.SigningKey{}, ErrNotSigned
}
