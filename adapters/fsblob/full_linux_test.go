package fsblob_test

import (
	"bytes"
	"errors"
	"io"
	"syscall"
	"testing"

	"github.com/keeper-registry/keeper/adapters/fsblob"
	"github.com/keeper-registry/keeper/ports"
)

// TestPutOnAFullDisk: a blob larger than the space left fails with
// ports.ErrStorageFull (answered 507), leaves no temp file, and the store
// keeps working for what fits. The store's root is a 1 MiB tmpfs, which
// needs root (CI runs as root; elsewhere the test skips).
func TestPutOnAFullDisk(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a small tmpfs here (needs root): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	s, err := fsblob.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Put(t.Context(), bytes.NewReader(bytes.Repeat([]byte("x"), 2<<20)), 0)
	if !errors.Is(err, ports.ErrStorageFull) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("a 2 MiB put on a 1 MiB disk: %v", err)
	}
	assertTempEmpty(t, s)
	b, err := s.Put(t.Context(), bytes.NewReader([]byte("fits")), 0)
	if err != nil {
		t.Fatalf("a small put after the full one: %v", err)
	}
	r, _, err := s.Open(t.Context(), b.Digest)
	if err != nil {
		t.Fatalf("open the small blob: %v", err)
	}
	defer r.Close()
	if got, err := io.ReadAll(r); err != nil || string(got) != "fits" {
		t.Fatalf("small blob read back %q: %v", got, err)
	}
}
