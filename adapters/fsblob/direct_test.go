package fsblob

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"syscall"
	"testing"
	"unsafe"
)

// pieces is a ports.ChunkedReader of fixed buffers, as core/remote's tee.
type pieces [][]byte

func (p pieces) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func (p pieces) WriteChunks(w io.Writer) (int64, error) {
	var n int64
	for _, b := range p {
		k, err := w.Write(b)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// split cuts b into pieces of n bytes.
func split(b []byte, n int) pieces {
	var out pieces
	for len(b) > n {
		out, b = append(out, b[:n]), b[n:]
	}
	return append(out, b)
}

// onlyReader hides everything but Read.
type onlyReader struct{ io.Reader }

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// checkStored puts body (read, and as chunks) and compares the blob's
// digest, size and bytes with body's.
func checkStored(t *testing.T, s *Store, body []byte) {
	t.Helper()
	sum := sha256.Sum256(body)
	want := hex.EncodeToString(sum[:])
	for name, r := range map[string]io.Reader{
		"read":          onlyReader{bytes.NewReader(body)},
		"chunks":        split(body, 256<<10),
		"odd chunks":    split(body, 65537),
		"single chunks": pieces{body},
	} {
		b, err := s.Put(t.Context(), r, 0)
		if err != nil || b.Digest != want || b.Size != int64(len(body)) {
			t.Fatalf("%d bytes, %s: %+v %v, want %s", len(body), name, b, err, want)
		}
		got, err := os.ReadFile(s.blobPath(want))
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("%d bytes, %s: stored %d bytes (%v), not the body", len(body), name, len(got), err)
		}
		if err := os.Remove(s.blobPath(want)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPutSizesAroundTheStagingBuffer: bodies of every length around the
// direct writes' pieces are stored whole, read or written as chunks.
func TestPutSizesAroundTheStagingBuffer(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.UseDirectIO(true)
	body := randomBytes(t, 3*stageSize+align+17)
	for _, n := range []int{0, 1, align, stageSize - 1, stageSize, stageSize + 1, 2*stageSize + align, len(body)} {
		t.Run(fmt.Sprint(n), func(t *testing.T) { checkStored(t, s, body[:n]) })
	}
}

// TestPutWithoutDirectIO: where O_DIRECT is refused, or its first write
// is, large bodies are written buffered and stored whole.
func TestPutWithoutDirectIO(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.UseDirectIO(true)
	body := randomBytes(t, 2*stageSize+5)
	t.Cleanup(func() { directIO = setDirect })
	directIO = func(*os.File, bool) error { return syscall.EINVAL }
	checkStored(t, s, body)
	// O_DIRECT accepted but its write refused (EINVAL: here the buffer's
	// address is not aligned): the writer goes on buffered.
	directIO = setDirect
	f, err := os.CreateTemp(t.TempDir(), "staged")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw := make([]byte, stageSize+1)
	unaligned := raw[1:]
	if uintptr(unsafe.Pointer(&raw[0]))%align != 0 {
		unaligned = raw[:stageSize]
	}
	w := &stagedWriter{f: f, bp: &unaligned}
	if _, err := w.Write(body); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := w.finish(); err != nil {
		t.Fatalf("finish: %v", err)
	}
	if got, err := os.ReadFile(f.Name()); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("stored %d bytes (%v), not the body", len(got), err)
	}
}
