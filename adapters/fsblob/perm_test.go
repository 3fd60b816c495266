package fsblob_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/fsblob"
)

// TestPrivatePermissions: blobs are 0600 and their directories 0700 (issue
// 20.11), so other local users cannot read stored artifacts.
func TestPrivatePermissions(t *testing.T) {
	root := filepath.Join(t.TempDir(), "blobs")
	s, err := fsblob.New(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(t.Context(), strings.NewReader("secret content"), 1<<20); err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, _ := os.Stat(p)
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		} else {
			files++
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, info.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("walk: %v, %d files", err, files)
	}
}
