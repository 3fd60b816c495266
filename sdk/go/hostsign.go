package sdk

// Signing and compression: the imports added in 0.2.0 (signing). A plugin
// never holds a signing key; it asks the host to sign with the key the
// administrator configured for the repository (PUT
// /api/v1/signing/repositories/{key}/config), and the host records who signed
// what. A module that calls these loads only on hosts that have them (an
// older host refuses it at install, naming the missing import).

// SignForm is how the host signs (the WIT enum sign-form).
type SignForm uint8

// Sign forms.
const (
	// SignPGPClear is an OpenPGP clear-signed message (RFC 9580 §7), e.g.
	// APT's InRelease.
	SignPGPClear SignForm = iota
	// SignPGPDetachedArmored is an armored OpenPGP detached signature, e.g.
	// APT's Release.gpg or RPM's repomd.xml.asc.
	SignPGPDetachedArmored
	// SignPGPDetachedBinary is a binary OpenPGP detached signature.
	SignPGPDetachedBinary
	// SignRSASHA1 is a raw RSA PKCS#1 v1.5 signature over the SHA-1 digest
	// of the data (RFC 8017 §8.2), e.g. Alpine's .SIGN.RSA.*.
	SignRSASHA1
	// SignRSASHA256 is the same over the SHA-256 digest.
	SignRSASHA256
	// SignRSASHA512 is the same over the SHA-512 digest.
	SignRSASHA512
)

// KeyForm is how the host encodes a public key (the WIT enum key-form).
type KeyForm uint8

// Key forms.
const (
	// KeyPGPArmored is an armored OpenPGP public key (e.g. gpg-key.asc).
	KeyPGPArmored KeyForm = iota
	// KeyPGPBinary is a binary OpenPGP public key.
	KeyPGPBinary
	// KeyPKIXPEM is the PKIX public key in PEM ("PUBLIC KEY"; RSA keys only).
	KeyPKIXPEM
)

// SigningKey is the repository's public signing key in one form.
type SigningKey struct {
	// ID is the key's id in /api/v1/signing/keys.
	ID string
	// Name is stable and file-name-safe ([a-z0-9._-]+), e.g. for Alpine's
	// `.SIGN.RSA.<name>.rsa.pub`.
	Name string
	// Fingerprint is the OpenPGP fingerprint, upper-case hex.
	Fingerprint string
	Data        []byte
}

// Compression names a compression format (the WIT enum compression).
type Compression uint8

// Compressions.
const (
	Gzip Compression = iota
	XZ
	Zstd
	Bzip2
)

// SignHost is implemented by hosts that offer the sign and public-key
// imports. It is kept apart from Host so existing Host implementations keep
// compiling; use Sign and PublicKey.
type SignHost interface {
	// Sign signs src with the repository's key in form. The error is
	// "repository has no signing key" when none is configured, and names the
	// mismatch when form does not fit the key (an RSA form of an Ed25519 key).
	Sign(form SignForm, src Source) ([]byte, error)
	// PublicKey returns the repository key's public half in form.
	PublicKey(form KeyForm) (SigningKey, error)
}

// CompressHost is implemented by hosts that offer the compress and
// decompress imports.
type CompressHost interface {
	// Compress compresses src into a new blob (which the call may stage) and
	// returns its digests and size.
	Compress(alg Compression, src Source) (Body, error)
	// Decompress decompresses src, failing beyond maxBytes of output.
	Decompress(alg Compression, src Source, maxBytes uint64) ([]byte, error)
}

// Sign calls h's sign import: src (bytes, or a blob by digest) signed with
// the repository's signing key in form.
func Sign(h Host, form SignForm, src Source) ([]byte, error) {
	sh, ok := h.(SignHost)
	if !ok {
		return nil, ErrNoImport
	}
	return sh.Sign(form, src)
}

// PublicKey calls h's public-key import: the repository's public key in form.
func PublicKey(h Host, form KeyForm) (SigningKey, error) {
	sh, ok := h.(SignHost)
	if !ok {
		return SigningKey{}, ErrNoImport
	}
	return sh.PublicKey(form)
}

// Compress calls h's compress import: the host compresses src (e.g. a
// Packages index into Packages.xz) and stores it as a blob the plugin can
// stage or serve; the compressed bytes never enter the plugin.
func Compress(h Host, alg Compression, src Source) (Body, error) {
	ch, ok := h.(CompressHost)
	if !ok {
		return Body{}, ErrNoImport
	}
	return ch.Compress(alg, src)
}

// Decompress calls h's decompress import, failing beyond maxBytes.
func Decompress(h Host, alg Compression, src Source, maxBytes uint64) ([]byte, error) {
	ch, ok := h.(CompressHost)
	if !ok {
		return nil, ErrNoImport
	}
	return ch.Decompress(alg, src, maxBytes)
}
