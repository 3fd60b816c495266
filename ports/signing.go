package ports

import (
	"context"
	"errors"
	"io"
	"time"
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

// Signing-key states: an active key signs; a retired one (replaced by a
// rotation) no longer signs but its public key stays published for
// verification; a revoked one does neither sign nor stay configured.
const (
	KeyActive  = "active"
	KeyRetired = "retired"
	KeyRevoked = "revoked"
)

// SigningKey is a managed signing key as persisted. SealedPrivate is the
// private key sealed by the server's secret box; it never leaves the host.
type SigningKey struct {
	ID          string
	Name        string
	Algorithm   string
	Fingerprint string
	UserID      string
	Status      string
	// PublicKey is the armored OpenPGP public key.
	PublicKey     []byte
	SealedPrivate string
	// ReplacedBy is the id of the key a rotation made active in its place.
	ReplacedBy string
	CreatedBy  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// SigningKeyStore persists signing keys and which key signs each
// repository.
type SigningKeyStore interface {
	// SaveSigningKey inserts or replaces the key with k.ID.
	SaveSigningKey(ctx context.Context, k *SigningKey) error
	// GetSigningKey returns the key, ErrNotFound when absent.
	GetSigningKey(ctx context.Context, id string) (SigningKey, error)
	// ListSigningKeys returns every key, oldest first.
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)
	// DeleteSigningKey removes the key and every repository's use of it.
	DeleteSigningKey(ctx context.Context, id string) error
	// SetRepoSigningKey makes key id sign repository repo ("" removes it).
	SetRepoSigningKey(ctx context.Context, repo, id string) error
	// RepoSigningKey returns the id of the key of repo, ErrNotFound when none.
	RepoSigningKey(ctx context.Context, repo string) (string, error)
	// ReplaceRepoSigningKey makes every repository signed by old be signed
	// by new instead ("" removes their configuration); returns how many.
	ReplaceRepoSigningKey(ctx context.Context, old, new string) (int, error)
}

// KeyMaterial is a private key's plaintext serialization and what the
// crypto read from it.
type KeyMaterial struct {
	Private     []byte
	PublicKey   []byte
	Fingerprint string
	Algorithm   string
	UserID      string
}

// SigningCrypto makes, reads and uses private keys (adapters/pgp).
type SigningCrypto interface {
	// Generate makes a key of algorithm ("rsa3072", "rsa4096", "ed25519").
	Generate(algorithm, name, email string) (KeyMaterial, error)
	// Import reads an unprotected private key (armored or binary);
	// anything else is ErrInvalid.
	Import(private []byte) (KeyMaterial, error)
	// Sign signs data in form with the private key.
	Sign(private []byte, form SignForm, data []byte) ([]byte, error)
	// Public returns the public half in form.
	Public(private []byte, form KeyForm) ([]byte, error)
}

// SignatureVerifier checks detached signatures against a public key
// (adapters/pgp).
type SignatureVerifier interface {
	// Verify answers nil when sig is a valid detached signature of data by
	// the armored public key, an ErrInvalid error when it is not.
	Verify(public []byte, data io.Reader, sig []byte) error
}
