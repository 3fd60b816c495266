package pgp

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/keeper-registry/keeper/ports"
)

// Algorithms of generated keys.
const (
	RSA3072 = "rsa3072"
	RSA4096 = "rsa4096"
	Ed25519 = "ed25519"
)

// maxKeyBytes bounds an imported key (an armored RSA-4096 key with a few
// subkeys and identities is about 10 KB).
const maxKeyBytes = 256 << 10

// config signs with SHA-512 (APT refuses SHA-1 signatures) and makes v4
// keys, which every client's verifier (gpgv, sqv, rpm, dnf) reads.
func config(algo string) *packet.Config {
	c := &packet.Config{DefaultHash: crypto.SHA512}
	switch algo {
	case RSA3072:
		c.Algorithm, c.RSABits = packet.PubKeyAlgoRSA, 3072
	case RSA4096:
		c.Algorithm, c.RSABits = packet.PubKeyAlgoRSA, 4096
	case Ed25519:
		c.Algorithm, c.Curve = packet.PubKeyAlgoEdDSA, packet.Curve25519
	}
	return c
}

// Key is a parsed private signing key.
type Key struct {
	e *openpgp.Entity
}

// Generate makes a new key of algo (RSA3072, RSA4096, Ed25519) for the user
// id "name <email>".
func Generate(algo, name, email string) (*Key, error) {
	switch algo {
	case RSA3072, RSA4096, Ed25519:
	default:
		return nil, fmt.Errorf("pgp: %w: algorithm %q (rsa3072, rsa4096 or ed25519)", ports.ErrInvalid, algo)
	}
	e, err := openpgp.NewEntity(name, "", email, config(algo))
	if err != nil {
		return nil, fmt.Errorf("pgp: generate: %w", err)
	}
	return &Key{e: e}, nil
}

// Parse reads one private key, armored or binary, unencrypted (a
// passphrase-protected key is refused: the host seals keys itself).
func Parse(data []byte) (*Key, error) {
	if len(data) > maxKeyBytes {
		return nil, fmt.Errorf("pgp: %w: key larger than %d bytes", ports.ErrInvalid, maxKeyBytes)
	}
	r := io.Reader(bytes.NewReader(data))
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN")) {
		b, err := armor.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("pgp: %w: not an OpenPGP armored key", ports.ErrInvalid)
		}
		if b.Type != openpgp.PrivateKeyType {
			return nil, fmt.Errorf("pgp: %w: armored %q, want a private key block", ports.ErrInvalid, b.Type)
		}
		r = b.Body
	}
	el, err := openpgp.ReadKeyRing(r)
	if err != nil {
		return nil, fmt.Errorf("pgp: %w: not an OpenPGP private key", ports.ErrInvalid)
	}
	if len(el) != 1 {
		return nil, fmt.Errorf("pgp: %w: %d keys, want exactly one", ports.ErrInvalid, len(el))
	}
	k := &Key{e: el[0]}
	sk, ok := k.e.SigningKey(time.Now())
	if !ok || sk.PrivateKey == nil || sk.PrivateKey.Dummy() {
		return nil, fmt.Errorf("pgp: %w: the key has no usable private signing key", ports.ErrInvalid)
	}
	if sk.PrivateKey.Encrypted {
		return nil, fmt.Errorf("pgp: %w: the key is passphrase-protected; import it unprotected", ports.ErrInvalid)
	}
	return k, nil
}

// Private serializes the private key (binary, unencrypted: seal it).
func (k *Key) Private() ([]byte, error) {
	var b bytes.Buffer
	if err := k.e.SerializePrivateWithoutSigning(&b, nil); err != nil {
		return nil, fmt.Errorf("pgp: serialize: %w", err)
	}
	return b.Bytes(), nil
}

// Fingerprint is the primary key's fingerprint, upper-case hex.
func (k *Key) Fingerprint() string {
	return strings.ToUpper(hex.EncodeToString(k.e.PrimaryKey.Fingerprint))
}

// Algorithm names the primary key's algorithm: rsa<bits>, ed25519 or other.
func (k *Key) Algorithm() string {
	switch pub := k.e.PrimaryKey.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("rsa%d", pub.N.BitLen())
	}
	if k.e.PrimaryKey.PubKeyAlgo == packet.PubKeyAlgoEdDSA || k.e.PrimaryKey.PubKeyAlgo == packet.PubKeyAlgoEd25519 {
		return Ed25519
	}
	return "other"
}

// UserID is the primary identity ("name <email>"), "" when none.
func (k *Key) UserID() string {
	if id := k.e.PrimaryIdentity(); id != nil {
		return id.Name
	}
	return ""
}

func (k *Key) signer() (*packet.PrivateKey, error) {
	sk, ok := k.e.SigningKey(time.Now())
	if !ok || sk.PrivateKey == nil {
		return nil, errors.New("pgp: the key cannot sign")
	}
	return sk.PrivateKey, nil
}

// Sign signs data in form: OpenPGP clear-signed (RFC 9580 §7), detached
// armored or binary, or a raw RSA PKCS#1 v1.5 signature of the data's digest
// (RFC 8017 §8.2.1) made with the key's RSA signing key.
func (k *Key) Sign(form ports.SignForm, data []byte) ([]byte, error) {
	cfg := &packet.Config{DefaultHash: crypto.SHA512}
	var out bytes.Buffer
	switch form {
	case ports.SignPGPClear:
		pk, err := k.signer()
		if err != nil {
			return nil, err
		}
		w, err := clearsign.Encode(&out, pk, cfg)
		if err != nil {
			return nil, fmt.Errorf("pgp: clearsign: %w", err)
		}
		if _, err := w.Write(data); err != nil {
			return nil, fmt.Errorf("pgp: clearsign: %w", err)
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("pgp: clearsign: %w", err)
		}
	case ports.SignPGPDetachedArmored:
		if err := openpgp.ArmoredDetachSign(&out, k.e, bytes.NewReader(data), cfg); err != nil {
			return nil, fmt.Errorf("pgp: sign: %w", err)
		}
		out.WriteByte('\n')
	case ports.SignPGPDetachedBinary:
		if err := openpgp.DetachSign(&out, k.e, bytes.NewReader(data), cfg); err != nil {
			return nil, fmt.Errorf("pgp: sign: %w", err)
		}
	case ports.SignRSASHA1, ports.SignRSASHA256, ports.SignRSASHA512:
		return k.signRSA(form, data)
	default:
		return nil, fmt.Errorf("pgp: %w: sign form %d", ports.ErrInvalid, form)
	}
	return out.Bytes(), nil
}

// MismatchError is a sign or key form the key cannot serve (an RSA form
// of an Ed25519 key). Its message is shown to the plugin, so it names
// only the mismatch; it matches ports.ErrInvalid.
type MismatchError struct {
	Form, Algorithm string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("%s needs an RSA signing key; the repository's signing key is %s", e.Form, e.Algorithm)
}

// Is makes a MismatchError match ports.ErrInvalid.
func (e *MismatchError) Is(target error) bool { return target == ports.ErrInvalid }

func (k *Key) rsaKey(form string) (*rsa.PrivateKey, error) {
	pk, err := k.signer()
	if err != nil {
		return nil, err
	}
	rk, ok := pk.PrivateKey.(*rsa.PrivateKey)
	if !ok {
		return nil, &MismatchError{Form: form, Algorithm: k.Algorithm()}
	}
	return rk, nil
}

func (k *Key) signRSA(form ports.SignForm, data []byte) ([]byte, error) {
	rk, err := k.rsaKey(form.String())
	if err != nil {
		return nil, err
	}
	var h crypto.Hash
	var sum []byte
	switch form {
	case ports.SignRSASHA1:
		s := sha1.Sum(data)
		h, sum = crypto.SHA1, s[:]
	case ports.SignRSASHA256:
		s := sha256.Sum256(data)
		h, sum = crypto.SHA256, s[:]
	default:
		s := sha512.Sum512(data)
		h, sum = crypto.SHA512, s[:]
	}
	sig, err := rsa.SignPKCS1v15(nil, rk, h, sum)
	if err != nil {
		return nil, fmt.Errorf("pgp: rsa sign: %w", err)
	}
	return sig, nil
}

// Public returns the public key in form.
func (k *Key) Public(form ports.KeyForm) ([]byte, error) {
	var out bytes.Buffer
	switch form {
	case ports.KeyPGPArmored:
		w, err := armor.Encode(&out, openpgp.PublicKeyType, nil)
		if err != nil {
			return nil, fmt.Errorf("pgp: armor: %w", err)
		}
		if err := k.e.Serialize(w); err != nil {
			return nil, fmt.Errorf("pgp: serialize public: %w", err)
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("pgp: armor: %w", err)
		}
		out.WriteByte('\n')
	case ports.KeyPGPBinary:
		if err := k.e.Serialize(&out); err != nil {
			return nil, fmt.Errorf("pgp: serialize public: %w", err)
		}
	case ports.KeyPKIXPEM:
		rk, err := k.rsaKey("pkix-pem")
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKIXPublicKey(&rk.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("pgp: pkix: %w", err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
	default:
		return nil, fmt.Errorf("pgp: %w: key form %d", ports.ErrInvalid, form)
	}
	return out.Bytes(), nil
}

// Signer is a ports.HostSigning over one key: the fake hosts of plugin
// tests sign with it, as a repository configured with that key would.
type Signer struct {
	Key  *Key
	ID   string
	Name string
}

var _ ports.HostSigning = (*Signer)(nil)

// NewSigner generates a key of algo and returns a Signer over it named name.
func NewSigner(algo, name string) (*Signer, error) {
	k, err := Generate(algo, name, name+"@keeper.invalid")
	if err != nil {
		return nil, err
	}
	return &Signer{Key: k, ID: "test-" + strings.ToLower(k.Fingerprint()[:16]), Name: name}, nil
}

// Sign implements ports.HostSigning.
func (s *Signer) Sign(_ context.Context, form ports.SignForm, data []byte) ([]byte, error) {
	return s.Key.Sign(form, data)
}

// PublicKey implements ports.HostSigning.
func (s *Signer) PublicKey(_ context.Context, form ports.KeyForm) (ports.PublicKey, error) {
	b, err := s.Key.Public(form)
	if err != nil {
		return ports.PublicKey{}, err
	}
	return ports.PublicKey{ID: s.ID, Name: s.Name, Fingerprint: s.Key.Fingerprint(), Data: b}, nil
}

// Crypto is the ports.SigningCrypto over this package. It keeps parsed keys
// by the digest of their serialization, so signing does not parse per call.
type Crypto struct {
	mu   sync.Mutex
	keys map[[32]byte]*Key
}

var _ ports.SigningCrypto = (*Crypto)(nil)

// maxCachedKeys bounds the parsed keys a Crypto keeps.
const maxCachedKeys = 256

func material(k *Key) (ports.KeyMaterial, error) {
	priv, err := k.Private()
	if err != nil {
		return ports.KeyMaterial{}, err
	}
	pub, err := k.Public(ports.KeyPGPArmored)
	if err != nil {
		return ports.KeyMaterial{}, err
	}
	return ports.KeyMaterial{Private: priv, PublicKey: pub, Fingerprint: k.Fingerprint(), Algorithm: k.Algorithm(), UserID: k.UserID()}, nil
}

// Generate implements ports.SigningCrypto.
func (c *Crypto) Generate(algorithm, name, email string) (ports.KeyMaterial, error) {
	k, err := Generate(algorithm, name, email)
	if err != nil {
		return ports.KeyMaterial{}, err
	}
	return material(k)
}

// Import implements ports.SigningCrypto.
func (c *Crypto) Import(private []byte) (ports.KeyMaterial, error) {
	k, err := Parse(private)
	if err != nil {
		return ports.KeyMaterial{}, err
	}
	switch k.Algorithm() {
	case Ed25519:
	default:
		if _, err := k.rsaKey("import"); err != nil {
			return ports.KeyMaterial{}, fmt.Errorf("pgp: %w: only RSA and Ed25519 signing keys are supported", ports.ErrInvalid)
		}
	}
	return material(k)
}

func (c *Crypto) key(private []byte) (*Key, error) {
	sum := sha256.Sum256(private)
	c.mu.Lock()
	k := c.keys[sum]
	c.mu.Unlock()
	if k != nil {
		return k, nil
	}
	k, err := Parse(private)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.keys == nil || len(c.keys) >= maxCachedKeys {
		c.keys = map[[32]byte]*Key{}
	}
	c.keys[sum] = k
	c.mu.Unlock()
	return k, nil
}

// Sign implements ports.SigningCrypto.
func (c *Crypto) Sign(private []byte, form ports.SignForm, data []byte) ([]byte, error) {
	k, err := c.key(private)
	if err != nil {
		return nil, err
	}
	return k.Sign(form, data)
}

// Public implements ports.SigningCrypto.
func (c *Crypto) Public(private []byte, form ports.KeyForm) ([]byte, error) {
	k, err := c.key(private)
	if err != nil {
		return nil, err
	}
	return k.Public(form)
}

var _ ports.SignatureVerifier = (*Crypto)(nil)

// Verify implements ports.SignatureVerifier: sig (armored or binary) is an
// OpenPGP detached signature of data by the armored public key
// (RFC 9580 §5.2, https://www.rfc-editor.org/rfc/rfc9580#section-5.2).
func (c *Crypto) Verify(public []byte, data io.Reader, sig []byte) error {
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(public))
	if err != nil {
		return fmt.Errorf("pgp: public key: %w", err)
	}
	if bytes.HasPrefix(bytes.TrimSpace(sig), []byte("-----BEGIN PGP SIGNATURE-----")) {
		_, err = openpgp.CheckArmoredDetachedSignature(ring, data, bytes.NewReader(sig), nil)
	} else {
		_, err = openpgp.CheckDetachedSignature(ring, data, bytes.NewReader(sig), nil)
	}
	if err != nil {
		return fmt.Errorf("pgp: %w: the signature does not verify: %v", ports.ErrInvalid, err)
	}
	return nil
}
