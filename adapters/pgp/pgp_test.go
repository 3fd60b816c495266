package pgp_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"

	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/ports"
)

// TestSignVerifies: every OpenPGP form verifies against the public key, for
// RSA and Ed25519 keys, also after the private key is serialized and parsed.
func TestSignVerifies(t *testing.T) {
	data := []byte("Origin: keeper\nLabel: test\n")
	for _, algo := range []string{pgp.RSA3072, pgp.Ed25519} {
		t.Run(algo, func(t *testing.T) {
			k, err := pgp.Generate(algo, "Keeper test", "test@keeper.invalid")
			if err != nil {
				t.Fatal(err)
			}
			priv, err := k.Private()
			if err != nil {
				t.Fatal(err)
			}
			k2, err := pgp.Parse(priv)
			if err != nil {
				t.Fatal(err)
			}
			if k2.Fingerprint() != k.Fingerprint() || k2.Algorithm() != algo {
				t.Fatalf("parsed %s %s, want %s %s", k2.Fingerprint(), k2.Algorithm(), k.Fingerprint(), algo)
			}
			pub, err := k2.Public(ports.KeyPGPArmored)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(pub, []byte("PRIVATE")) {
				t.Fatal("public key export contains a private block")
			}
			ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(pub))
			if err != nil {
				t.Fatal(err)
			}
			if ring[0].PrivateKey != nil {
				t.Fatal("public key export carries the private key")
			}
			clear, err := k2.Sign(ports.SignPGPClear, data)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := clearsign.Decode(clear)
			if b == nil || !bytes.Equal(b.Plaintext, bytes.TrimSuffix(data, []byte("\n"))) && !bytes.Equal(b.Plaintext, data) {
				t.Fatalf("clearsign: %q", clear)
			}
			if _, err := b.VerifySignature(ring, nil); err != nil {
				t.Errorf("clearsign does not verify: %v", err)
			}
			for _, f := range []ports.SignForm{ports.SignPGPDetachedArmored, ports.SignPGPDetachedBinary} {
				sig, err := k2.Sign(f, data)
				if err != nil {
					t.Fatal(err)
				}
				check := openpgp.CheckDetachedSignature
				if f == ports.SignPGPDetachedArmored {
					check = openpgp.CheckArmoredDetachedSignature
				}
				if _, err := check(ring, bytes.NewReader(data), bytes.NewReader(sig), nil); err != nil {
					t.Errorf("%s does not verify: %v", f, err)
				}
				if _, err := check(ring, strings.NewReader("forged"), bytes.NewReader(sig), nil); err == nil {
					t.Errorf("%s verifies other data", f)
				}
			}
		})
	}
}

// TestEd25519RefusesRSAForms: an RSA form of an Ed25519 key is an
// ErrInvalid whose message names the mismatch.
func TestEd25519RefusesRSAForms(t *testing.T) {
	k, err := pgp.Generate(pgp.Ed25519, "e", "e@keeper.invalid")
	if err != nil {
		t.Fatal(err)
	}
	_, err = k.Sign(ports.SignRSASHA1, []byte("x"))
	if !errors.Is(err, ports.ErrInvalid) || !strings.Contains(err.Error(), "rsa-pkcs1-sha1 needs an RSA signing key") || !strings.Contains(err.Error(), "ed25519") {
		t.Errorf("rsa form of ed25519: %v", err)
	}
	if _, err := k.Public(ports.KeyPKIXPEM); !errors.Is(err, ports.ErrInvalid) {
		t.Errorf("pkix of ed25519: %v", err)
	}
}

// TestParseRefuses: public keys, garbage and protected keys are refused.
func TestParseRefuses(t *testing.T) {
	k, _ := pgp.Generate(pgp.Ed25519, "e", "e@keeper.invalid")
	pub, _ := k.Public(ports.KeyPGPArmored)
	for name, in := range map[string][]byte{"public": pub, "garbage": []byte("hello"), "empty": nil,
		"huge": bytes.Repeat([]byte("A"), 300<<10)} {
		if _, err := pgp.Parse(in); !errors.Is(err, ports.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}
