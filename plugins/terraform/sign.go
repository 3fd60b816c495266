package terraform

import (
	"errors"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// gpgPublicKey is the repository's signing key as the download document shows it.
type gpgPublicKey struct {
	ID, Armor string
}

// errNoSigning: this host offers no signing.
var errNoSigning = errors.New("no signing key is configured for this repository")

// signingKey returns the repository's OpenPGP public key (armored).
func signingKey(h sdk.Host) (gpgPublicKey, error) {
	return gpgPublicKey{}, errNoSigning
}

// detachedSignature signs data with the repository's key (a binary
// detached OpenPGP signature, what Terraform verifies SHA256SUMS with).
func detachedSignature(h sdk.Host, data []byte) ([]byte, error) {
	return nil, errNoSigning
}
