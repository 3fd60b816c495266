package dispatch

import (
	"context"
	"errors"

	"github.com/keeper-registry/keeper/ports"
)

// RepoSigner signs with a repository's configured key and records who
// signed what (implemented by core/signing.Service).
type RepoSigner interface {
	Sign(ctx context.Context, repo string, by ports.Subject, form ports.SignForm, data []byte) ([]byte, error)
	PublicKey(ctx context.Context, repo string, form ports.KeyForm) (ports.PublicKey, error)
}

var _ ports.HostSigning = (*hostCall)(nil)

// UseSigner gives the sign and public-key imports the server's signing
// keys; without one every repository has no signing key.
func (d *Dispatcher) UseSigner(s RepoSigner) { d.signer = s }

// Sign signs with the bound repository's key; the caller is recorded.
func (h *hostCall) Sign(ctx context.Context, form ports.SignForm, data []byte) ([]byte, error) {
	if h.d.signer == nil || h.repo == nil {
		h.sawNoKey(ports.ErrNoSigningKey)
		return nil, ports.ErrNoSigningKey
	}
	by := h.subject
	if by.Username == "" {
		by.Username = "anonymous"
	}
	sig, err := h.d.signer.Sign(ctx, h.repo.Key, by, form, data)
	h.sawNoKey(err)
	return sig, err
}

// PublicKey returns the bound repository key's public half.
func (h *hostCall) PublicKey(ctx context.Context, form ports.KeyForm) (ports.PublicKey, error) {
	if h.d.signer == nil || h.repo == nil {
		h.sawNoKey(ports.ErrNoSigningKey)
		return ports.PublicKey{}, ports.ErrNoSigningKey
	}
	k, err := h.d.signer.PublicKey(ctx, h.repo.Key, form)
	h.sawNoKey(err)
	return k, err
}

// sawNoKey remembers that the bound repository has no signing key, so a
// merge that fails for want of one is answered 404 (virtual.go).
func (h *hostCall) sawNoKey(err error) {
	if errors.Is(err, ports.ErrNoSigningKey) {
		h.mu.Lock()
		h.noKey = true
		h.mu.Unlock()
	}
}
