package bench

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/keeper-registry/keeper/adapters/fsblob"
	"github.com/keeper-registry/keeper/core/artifact"
)

// benchSize is the body of the upload benchmarks (smaller than run.sh's
// 100 MiB so -benchtime=1x stays quick; large enough to dwarf per-call costs).
const benchSize = 32 << 20

func payload(tb testing.TB) []byte {
	tb.Helper()
	b := make([]byte, benchSize)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return b
}

// unique returns a reader of body with fresh leading bytes, like run.sh's uploads.
func unique(tb testing.TB, body []byte) io.Reader {
	tb.Helper()
	nonce := make([]byte, NonceSize)
	if _, err := rand.Read(nonce); err != nil {
		tb.Fatal(err)
	}
	return io.MultiReader(bytes.NewReader(nonce), bytes.NewReader(body[NonceSize:]))
}

// processCPU is this process's user+system CPU seconds (all goroutines, the
// hashing ones included), for a cpu-s/GiB metric beside the wall-clock MB/s.
func processCPU() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// reportCPU adds cpu-s/GiB for b.N bodies of size bytes since cpu0.
func reportCPU(b *testing.B, cpu0 float64, size int) {
	b.ReportMetric((processCPU()-cpu0)/(float64(b.N)*float64(size)/(1<<30)), "cpu-s/GiB")
}

// BenchmarkHash measures each digest keeper computes on upload, alone, in 1 MiB chunks.
func BenchmarkHash(b *testing.B) {
	body := payload(b)
	for _, h := range []struct {
		name string
		new  func() hash.Hash
	}{{"sha256", sha256.New}, {"sha1", sha1.New}, {"md5", md5.New}} {
		b.Run(h.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				d := h.new()
				for off := 0; off < len(body); off += BufSize {
					d.Write(body[off:min(off+BufSize, len(body))])
				}
				d.Sum(nil)
			}
		})
	}
}

// BenchmarkHashWrite is the upload limit run.sh uses as reference: write to a
// new file with sha256 in one pass, then fsync.
func BenchmarkHashWrite(b *testing.B) {
	body := payload(b)
	dir := b.TempDir()
	b.SetBytes(int64(len(body)))
	i := 0
	cpu0 := processCPU()
	for b.Loop() {
		i++
		dst := filepath.Join(dir, fmt.Sprint(i))
		if _, _, err := HashWrite(dst, unique(b, body)); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = os.Remove(dst)
		b.StartTimer()
	}
	reportCPU(b, cpu0, len(body))
}

// BenchmarkIngest drives keeper's REST upload body path (core/artifact.Ingest
// into adapters/fsblob: sha256 in the store, fsync, rename; the other digests
// are computed on first request)
// without HTTP or the database, for comparison with BenchmarkHashWrite.
func BenchmarkIngest(b *testing.B) {
	body := payload(b)
	store, err := fsblob.New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	cpu0 := processCPU()
	for b.Loop() {
		d, err := artifact.Ingest(context.Background(), store, unique(b, body), 0, artifact.Expect{}, false)
		if err != nil {
			b.Fatal(err)
		}
		if d.Size != int64(len(body)) {
			b.Fatalf("size %d, want %d", d.Size, len(body))
		}
		b.StopTimer()
		_ = store.Delete(context.Background(), d.SHA256)
		b.StartTimer()
	}
	reportCPU(b, cpu0, len(body))
}

// TestHashWriteDigest checks the reference writes exactly its input and hashes it.
func TestHashWriteDigest(t *testing.T) {
	body := []byte("0123456789abcdef0123456789abcdef-and-the-rest")
	dst := filepath.Join(t.TempDir(), "out")
	got, n, err := HashWrite(dst, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if want := fmt.Sprintf("%x", sum); got != want || n != int64(len(body)) {
		t.Fatalf("HashWrite = %s, %d; want %s, %d", got, n, want, len(body))
	}
	back, err := os.ReadFile(dst)
	if err != nil || !bytes.Equal(back, body) {
		t.Fatalf("file holds %q (%v), want the body", back, err)
	}
}

// TestUniqueBody checks each body keeps the size and the tail but differs in its head.
func TestUniqueBody(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	body := bytes.Repeat([]byte{7}, 4096)
	if err := os.WriteFile(src, body, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var heads [][]byte
	for range 2 {
		r, err := UniqueBody(f, int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(body) || !bytes.Equal(got[NonceSize:], body[NonceSize:]) {
			t.Fatalf("body of %d bytes does not keep the source tail", len(got))
		}
		heads = append(heads, got[:NonceSize])
	}
	if bytes.Equal(heads[0], heads[1]) {
		t.Fatal("two bodies share their leading bytes")
	}
}
