package ports

import (
	"context"
	"errors"
)

// SignForm is how a repository key signs (the WIT enum sign-form, same order).
type SignForm uint8

// Sign forms.
const (
	// SignPGPClear is an OpenPGP clear-signed message (RFC 9580 §7).
	SignPGPClear SignForm = iota
	// SignPGPDetachedArmored is an armored OpenPGP detached signature.
	SignPGPDetachedArmored
	// SignPGPDetachedBinary is a binary OpenPGP detached signature.
	SignPGPDetachedBinary
	// SignRSASHA1 is a raw RSA PKCS#1 v1.5 signature of the SHA-1 digest.
	SignRSASHA1
	// SignRSASHA256 is a raw RSA PKCS#1 v1.5 signature of the SHA-256 digest.
	SignRSASHA256
	// SignRSASHA512 is a raw RSA PKCS#1 v1.5 signature of the SHA-512 digest.
	SignRSASHA512
)

// String names the form as the WIT does.
func (f SignForm) String() string {
	names := []string{"pgp-clear", "pgp-detached-armored", "pgp-detached-binary", "rsa-pkcs1-sha1", "rsa-pkcs1-sha256", "rsa-pkcs1-sha512"}
	if int(f) < len(names) {
		return names[f]
	}
	return "unknown"
}

// KeyForm is how a public key is encoded (the WIT enum key-form, same order).
type KeyForm uint8

// Key forms.
const (
	// KeyPGPArmored is an armored OpenPGP transferable public key.
	KeyPGPArmored KeyForm = iota
	// KeyPGPBinary is a binary OpenPGP transferable public key.
	KeyPGPBinary
	// KeyPKIXPEM is the PKIX SubjectPublicKeyInfo in PEM (RSA keys only).
	KeyPKIXPEM
)

// PublicKey is a repository's public signing key in one form.
type PublicKey struct {
	// ID is the key's id in the signing-key API.
	ID string
	// Name is a stable, file-name-safe name ([a-z0-9._-]+).
	Name string
	// Fingerprint is the OpenPGP fingerprint, upper-case hex.
	Fingerprint string
	Data        []byte
}

// MaxSignBytes bounds the data one sign call signs (repository metadata).
const MaxSignBytes = 256 << 20

// ErrNoSigningKey is the error of HostSigning when the bound repository has
// no signing key configured.
var ErrNoSigningKey = errors.New("repository has no signing key")

// HostSigning signs with the bound repository's configured key, which never
// leaves the host (contract 0.2.0 imports sign and public-key). The wasm
// adapter answers the imports with ErrNoSigningKey when a HostCall does not
// implement it.
type HostSigning interface {
	// Sign signs data in form and records who signed what; ErrNoSigningKey
	// when the repository has none, ErrInvalid when form does not fit the key.
	Sign(ctx context.Context, form SignForm, data []byte) ([]byte, error)
	// PublicKey returns the repository key's public half in form.
	PublicKey(ctx context.Context, form KeyForm) (PublicKey, error)
}

// Compression names a compression format (the WIT enum compression, same order).
type Compression uint8

// Compressions.
const (
	Gzip Compression = iota
	XZ
	Zstd
	Bzip2
)
