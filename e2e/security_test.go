package e2e

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestDataAtRestIsPrivate: a fresh keeper creates its blob directory 0700,
// the database and the generated secrets key 0600, keeps
// the signing key sealed in the database, and still accepts the sessions
// it signed after a restart (the key file is read back, not regenerated).
// Issue 20.11.
func TestDataAtRestIsPrivate(t *testing.T) {
	t.Parallel()
	k := harness.Start(t, harness.Options{})
	dir := k.DataDir // the harness makes it (0700, so its mode proves nothing here)
	k.CreateRepo(harness.Repo{Key: "priv"})
	k.Expect(http.StatusCreated, http.MethodPut, "/generic/priv/a.bin", bytes.NewReader([]byte("private bytes")))
	for path, want := range map[string]os.FileMode{filepath.Join(dir, "keeper.db"): 0o600,
		filepath.Join(dir, "secret.key"): 0o600, filepath.Join(dir, "blobs"): 0o700} {
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v (%v)", path, fi.Mode().Perm(), want, err)
		}
	}
	db, err := os.ReadFile(filepath.Join(dir, "keeper.db"))
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(filepath.Join(dir, "keeper.db-wal"))
	if !bytes.Contains(append(db, wal...), []byte("keeper-sealed:v1:")) {
		t.Error("no sealed value in the database")
	}
	key, _ := os.ReadFile(filepath.Join(dir, "secret.key"))
	k.Restart()
	k.Expect(http.StatusOK, http.MethodGet, "/api/v1/repositories/priv", nil)
	if again, _ := os.ReadFile(filepath.Join(dir, "secret.key")); strings.TrimSpace(string(again)) != strings.TrimSpace(string(key)) {
		t.Error("the secrets key changed across a restart")
	}
}
