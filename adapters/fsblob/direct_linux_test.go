package fsblob

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"unsafe"
)

// resident counts the pages of path's first n bytes that are in the page
// cache (mincore, https://man7.org/linux/man-pages/man2/mincore.2.html).
func resident(t *testing.T, path string, n int) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := syscall.Mmap(int(f.Fd()), 0, n, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = syscall.Munmap(m) }()
	page := os.Getpagesize()
	vec := make([]byte, (n+page-1)/page)
	if _, _, e := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(n),
		uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Fatalf("mincore: %v", e)
	}
	c := 0
	for _, v := range vec {
		c += int(v & 1)
	}
	return c
}

// TestTeedPutBypassesThePageCache: with direct I/O on (storage.direct_io),
// a large body teed to a client (a ports.ChunkedReader) is written with O_DIRECT (none of its full pieces'
// pages in the page cache after Put); an uploaded body of the same size,
// and a small teed one, are written through the page cache.
func TestTeedPutBypassesThePageCache(t *testing.T) {
	dir := t.TempDir()
	probe, err := os.OpenFile(filepath.Join(dir, "probe"), os.O_CREATE|os.O_WRONLY|syscall.O_DIRECT, 0o600)
	if errors.Is(err, syscall.EINVAL) {
		t.Skipf("the file system of %s has no direct I/O", dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	_ = probe.Close()
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	big := randomBytes(t, 4*stageSize+100)
	pages := 4 * stageSize / os.Getpagesize()
	b, err := s.Put(t.Context(), split(big[:2*stageSize], 300<<10), 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := resident(t, s.blobPath(b.Digest), 2*stageSize); n < pages/4 {
		t.Errorf("only %d of %d pages of a teed body are in the page cache with direct I/O off (the default)", n, pages/2)
	}
	s.UseDirectIO(true)
	b, err = s.Put(t.Context(), split(big, 300<<10), 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := resident(t, s.blobPath(b.Digest), 4*stageSize); n != 0 {
		t.Errorf("%d pages of the teed body's direct pieces are in the page cache", n)
	}
	if err := os.Remove(s.blobPath(b.Digest)); err != nil {
		t.Fatal(err)
	}
	b, err = s.Put(t.Context(), onlyReader{bytes.NewReader(big)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := resident(t, s.blobPath(b.Digest), 4*stageSize); n < pages/2 {
		t.Errorf("only %d of %d pages of an uploaded body are in the page cache: not written buffered", n, pages)
	}
	b, err = s.Put(t.Context(), pieces{big[:1000]}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := resident(t, s.blobPath(b.Digest), 1000); n != 1 {
		t.Errorf("a small teed body's page is not in the page cache (%d): it was not written buffered", n)
	}
}
