package secret_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/core/secret"
)

func TestSealOpenRotate(t *testing.T) {
	k1, k2 := secret.NewKey(), secret.NewKey()
	b1, err := secret.New(k1)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := b1.Seal([]byte("signing key"), "setting:a")
	if err != nil || !secret.IsSealed(sealed) || strings.Contains(sealed, "signing key") {
		t.Fatalf("sealed %q, %v", sealed, err)
	}
	if p, cur, err := b1.Open(sealed, "setting:a"); err != nil || !cur || string(p) != "signing key" {
		t.Fatalf("open: %q %v %v", p, cur, err)
	}
	if _, _, err := b1.Open(sealed, "setting:b"); !errors.Is(err, secret.ErrCorrupt) {
		t.Fatalf("moved to another row: %v", err)
	}
	// Rotation: k2 is primary, k1 still opens and reports not current.
	b2, _ := secret.New(k2, k1)
	if p, cur, err := b2.Open(sealed, "setting:a"); err != nil || cur || string(p) != "signing key" {
		t.Fatalf("open with previous key: %q %v %v", p, cur, err)
	}
	resealed, _ := b2.Seal([]byte("signing key"), "setting:a")
	only2, _ := secret.New(k2)
	if _, _, err := only2.Open(sealed, "setting:a"); !errors.Is(err, secret.ErrUnknownKey) {
		t.Fatalf("old value without the old key: %v", err)
	}
	if p, cur, err := only2.Open(resealed, "setting:a"); err != nil || !cur || string(p) != "signing key" {
		t.Fatalf("resealed: %q %v %v", p, cur, err)
	}
	if p, cur, err := only2.Open("legacy plaintext", "x"); err != nil || cur || string(p) != "legacy plaintext" {
		t.Fatalf("legacy: %q %v %v", p, cur, err)
	}
	if _, err := secret.New([]byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
	if _, err := secret.ParseKey(strings.Repeat("ab", 32)); err != nil {
		t.Fatal(err)
	}
}
