package terraform

import (
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// gpgPublicKey is the repository's signing key as the download document shows it.
type gpgPublicKey struct {
	ID, Armor string
}

// signingKey returns the repository's OpenPGP public key, armored, with
// its long key id (the last 16 hex digits of the fingerprint).
func signingKey(h sdk.Host) (gpgPublicKey, error) {
	k, err := sdk.PublicKey(h, sdk.KeyPGPArmored)
	if err != nil {
		return gpgPublicKey{}, err
	}
	id := k.Fingerprint
	if len(id) > 16 {
		id = id[len(id)-16:]
	}
	return gpgPublicKey{ID: id, Armor: string(k.Data)}, nil
}

// detachedSignature signs data with the repository's key: a binary
// detached OpenPGP signature, what Terraform verifies SHA256SUMS with.
// https://developer.hashicorp.com/terraform/internals/provider-registry-protocol#shasums_signature_url
func detachedSignature(h sdk.Host, data []byte) ([]byte, error) {
	return sdk.Sign(h, sdk.SignPGPDetachedBinary, sdk.Source{Bytes: data})
}
