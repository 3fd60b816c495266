package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a key: AES-256.
const KeySize = 32

// prefix marks a sealed value: prefix + key id + ":" + base64url(nonce‖ciphertext).
const prefix = "keeper-sealed:v1:"

var (
	// ErrUnknownKey: the value was sealed with a key that is neither the
	// primary nor a previous one.
	ErrUnknownKey = errors.New("secret: sealed with an unknown key (set the old key in secrets.previous_keys)")
	// ErrCorrupt: the value is not a valid sealed value or fails authentication.
	ErrCorrupt = errors.New("secret: sealed value is corrupt or was moved")
)

// Box seals with its primary key and opens with the primary or a previous key.
type Box struct {
	primaryID string
	aeads     map[string]cipher.AEAD
}

// New returns a Box sealing with primary and also opening values sealed
// with any of previous.
func New(primary []byte, previous ...[]byte) (*Box, error) {
	b := &Box{aeads: map[string]cipher.AEAD{}}
	for i, k := range append([][]byte{primary}, previous...) {
		if len(k) != KeySize {
			return nil, fmt.Errorf("secret: key %d is %d bytes, want %d", i, len(k), KeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		g, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		id := KeyID(k)
		if i == 0 {
			b.primaryID = id
		}
		if _, dup := b.aeads[id]; !dup {
			b.aeads[id] = g
		}
	}
	return b, nil
}

// KeyID names a key without revealing it: 8 hex digits of its SHA-256.
func KeyID(k []byte) string {
	sum := sha256.Sum256(k)
	return hex.EncodeToString(sum[:4])
}

// ParseKey reads a key written as 64 hex digits or standard base64.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if k, err := hex.DecodeString(s); err == nil && len(k) == KeySize {
		return k, nil
	}
	if k, err := base64.StdEncoding.DecodeString(s); err == nil && len(k) == KeySize {
		return k, nil
	}
	return nil, fmt.Errorf("secret: a key is %d bytes written as 64 hex digits or base64", KeySize)
}

// NewKey returns a random key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	_, _ = rand.Read(k)
	return k
}

// IsSealed reports whether v looks like a sealed value.
func IsSealed(v string) bool { return strings.HasPrefix(v, prefix) }

// Seal encrypts plain; context (e.g. "setting:auth.signing_key") is bound
// as additional data, so a sealed value copied to another row fails to open.
func (b *Box) Seal(plain []byte, context string) (string, error) {
	g := b.aeads[b.primaryID]
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secret: nonce: %w", err)
	}
	out := g.Seal(nonce, nonce, plain, []byte(context))
	return prefix + b.primaryID + ":" + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts v. A value that is not sealed (written before encryption
// at rest was turned on) is returned as is with current false, as is one
// sealed with a previous key: the caller re-seals both.
func (b *Box) Open(v, context string) (plain []byte, current bool, err error) {
	if !IsSealed(v) {
		return []byte(v), false, nil
	}
	id, data, ok := strings.Cut(strings.TrimPrefix(v, prefix), ":")
	if !ok {
		return nil, false, ErrCorrupt
	}
	g, ok := b.aeads[id]
	if !ok {
		return nil, false, ErrUnknownKey
	}
	raw, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil || len(raw) < g.NonceSize()+g.Overhead() {
		return nil, false, ErrCorrupt
	}
	plain, err = g.Open(nil, raw[:g.NonceSize()], raw[g.NonceSize():], []byte(context))
	if err != nil {
		return nil, false, ErrCorrupt
	}
	return plain, id == b.primaryID, nil
}
