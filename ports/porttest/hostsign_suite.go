package porttest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// HostSigning runs the conformance suite of ports.HostSigning (the sign and
// public-key imports). open returns a harness whose repository is signed
// with an RSA key when rsaKey, with no key when not; unsigned returns one
// whose repository has no signing key. The suite checks the forms it can
// verify with the standard library (RSA PKCS#1, PKIX) and the OpenPGP
// framing; OpenPGP signatures are verified by the adapters' own tests and by
// the real clients.
func HostSigning(t *testing.T, signed, unsigned func(t *testing.T) HostHarness) {
	data := []byte("Origin: keeper\nSuite: stable\n")
	t.Run("no key", func(t *testing.T) {
		unsigned(t).call(t, nil, func(ctx context.Context, h ports.HostCall, _ *ports.Body) error {
			s, ok := h.(ports.HostSigning)
			if !ok {
				return nil // the adapter answers ErrNoSigningKey itself
			}
			if _, err := s.Sign(ctx, ports.SignPGPClear, data); !errors.Is(err, ports.ErrNoSigningKey) {
				t.Errorf("Sign without a key: %v, want ErrNoSigningKey", err)
			}
			if _, err := s.PublicKey(ctx, ports.KeyPGPArmored); !errors.Is(err, ports.ErrNoSigningKey) {
				t.Errorf("PublicKey without a key: %v, want ErrNoSigningKey", err)
			}
			return nil
		})
	})
	t.Run("rsa key", func(t *testing.T) {
		signed(t).call(t, nil, func(ctx context.Context, h ports.HostCall, _ *ports.Body) error {
			s, ok := h.(ports.HostSigning)
			if !ok {
				t.Fatal("the host does not implement ports.HostSigning")
			}
			hostSignRSA(ctx, t, s, data)
			hostSignPGP(ctx, t, s, data)
			return nil
		})
	})
}

func hostSignRSA(ctx context.Context, t *testing.T, s ports.HostSigning, data []byte) {
	k, err := s.PublicKey(ctx, ports.KeyPKIXPEM)
	if !hostOK(t, err, "PublicKey pkix-pem") {
		return
	}
	if k.ID == "" || k.Name == "" || len(k.Fingerprint) < 40 {
		t.Errorf("public key %q %q %q: id, name and fingerprint expected", k.ID, k.Name, k.Fingerprint)
	}
	for _, c := range k.Name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			t.Errorf("key name %q is not file-name-safe", k.Name)
			break
		}
	}
	blk, _ := pem.Decode(k.Data)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		t.Fatalf("pkix-pem: not a PUBLIC KEY PEM block: %q", k.Data)
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	rk, ok := pub.(*rsa.PublicKey)
	if err != nil || !ok {
		t.Fatalf("pkix-pem: %v (%T)", err, pub)
	}
	s1, s256, s512 := sha1.Sum(data), sha256.Sum256(data), sha512.Sum512(data)
	for _, c := range []struct {
		form ports.SignForm
		hash crypto.Hash
		sum  []byte
	}{{ports.SignRSASHA1, crypto.SHA1, s1[:]}, {ports.SignRSASHA256, crypto.SHA256, s256[:]}, {ports.SignRSASHA512, crypto.SHA512, s512[:]}} {
		sig, err := s.Sign(ctx, c.form, data)
		if !hostOK(t, err, "Sign "+c.form.String()) {
			continue
		}
		if err := rsa.VerifyPKCS1v15(rk, c.hash, c.sum, sig); err != nil {
			t.Errorf("%s: signature does not verify: %v", c.form, err)
		}
	}
}

func hostSignPGP(ctx context.Context, t *testing.T, s ports.HostSigning, data []byte) {
	for _, c := range []struct {
		form   ports.SignForm
		prefix string
	}{
		{ports.SignPGPClear, "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n" + string(data)},
		{ports.SignPGPDetachedArmored, "-----BEGIN PGP SIGNATURE-----"},
	} {
		sig, err := s.Sign(ctx, c.form, data)
		if hostOK(t, err, "Sign "+c.form.String()) && !bytes.HasPrefix(sig, []byte(c.prefix)) {
			t.Errorf("%s: %q does not start with %q", c.form, sig, c.prefix)
		}
	}
	sig, err := s.Sign(ctx, ports.SignPGPDetachedBinary, data)
	// A binary signature packet: new-format tag 2 (0xc2) or old-format (0x88, 0x89).
	if hostOK(t, err, "Sign pgp-detached-binary") && (len(sig) < 2 || sig[0] != 0xc2 && sig[0]&0xfc != 0x88) {
		t.Errorf("pgp-detached-binary: not a signature packet: % x", sig[:min(len(sig), 4)])
	}
	for _, f := range []ports.KeyForm{ports.KeyPGPArmored, ports.KeyPGPBinary} {
		k, err := s.PublicKey(ctx, f)
		if hostOK(t, err, "PublicKey") && len(k.Data) == 0 {
			t.Errorf("PublicKey %d: empty", f)
		}
	}
	k, _ := s.PublicKey(ctx, ports.KeyPGPArmored)
	if !bytes.HasPrefix(k.Data, []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----")) || bytes.Contains(k.Data, []byte("PRIVATE")) {
		t.Errorf("pgp-armored public key: %q", k.Data)
	}
}
