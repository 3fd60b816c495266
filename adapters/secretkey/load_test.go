package secretkey_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/secretkey"
	"github.com/keeper-registry/keeper/core/secret"
)

func TestKeyFileCreatedPrivateAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "secret.key")
	b1, err := secretkey.Load("", path, nil)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v %v", fi.Mode().Perm(), err)
	}
	sealed, _ := b1.Seal([]byte("x"), "c")
	b2, err := secretkey.Load("", path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, _, err := b2.Open(sealed, "c"); err != nil || string(p) != "x" {
		t.Fatalf("second start cannot open: %v", err)
	}
	// Rotation: a configured key becomes primary, the file's key previous.
	old, _ := os.ReadFile(path)
	b3, err := secretkey.Load(strings.Repeat("ab", 32), "", []string{string(old)})
	if err != nil {
		t.Fatal(err)
	}
	if p, cur, err := b3.Open(sealed, "c"); err != nil || cur || string(p) != "x" {
		t.Fatalf("rotated: %v %v", cur, err)
	}
	_ = os.Chmod(path, 0o644)
	if _, err := secretkey.Load("", path, nil); err == nil {
		t.Fatal("a world-readable key file was accepted")
	}
	if _, err := secretkey.Load("short", "", nil); err == nil {
		t.Fatal("a bad key was accepted")
	}
	_ = secret.KeySize
}
