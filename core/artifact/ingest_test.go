package artifact

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// memBlobs is an in-memory BlobStore that, like the real ones, keeps nothing
// when the reader fails.
type memBlobs struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memBlobs) Put(_ context.Context, r io.Reader, max int64) (ports.Blob, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return ports.Blob{}, err
	}
	if max > 0 && int64(len(data)) > max {
		return ports.Blob{}, ports.ErrTooLarge
	}
	sum := sha256.Sum256(data)
	d := hex.EncodeToString(sum[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	s.m[d] = data
	return ports.Blob{Digest: d, Size: int64(len(data))}, nil
}
func (s *memBlobs) Open(context.Context, string) (ports.BlobReader, int64, error) {
	return nil, 0, ports.ErrNotFound
}
func (s *memBlobs) Stat(context.Context, string) (int64, error) { return 0, ports.ErrNotFound }
func (s *memBlobs) Delete(context.Context, string) error        { return nil }
func (s *memBlobs) Walk(context.Context, func(ports.Blob, time.Time) error) error {
	return nil
}

func TestIngestComputesEveryDigest(t *testing.T) {
	data := bytes.Repeat([]byte("keeper "), 400_000)
	s1, m5, s512, s256 := sha1.Sum(data), md5.Sum(data), sha512.Sum512(data), sha256.Sum256(data)
	blobs := &memBlobs{}
	d, err := Ingest(context.Background(), blobs, bytes.NewReader(data), 0,
		Expect{SHA256: hex.EncodeToString(s256[:]), SHA1: hex.EncodeToString(s1[:]), MD5: hex.EncodeToString(m5[:])}, true)
	if err != nil {
		t.Fatal(err)
	}
	want := Digests{SHA256: hex.EncodeToString(s256[:]), SHA1: hex.EncodeToString(s1[:]), MD5: hex.EncodeToString(m5[:]),
		SHA512: hex.EncodeToString(s512[:]), Size: int64(len(data))}
	if d != want {
		t.Fatalf("digests:\n got %+v\nwant %+v", d, want)
	}
}

func TestIngestMismatchStoresNothing(t *testing.T) {
	for _, want := range []Expect{{SHA256: "00"}, {SHA1: "00"}, {MD5: "00"}, {SHA512: "00"}} {
		blobs := &memBlobs{}
		_, err := Ingest(context.Background(), blobs, bytes.NewReader([]byte("content")), 0, want, false)
		if !errors.Is(err, ports.ErrDigestMismatch) {
			t.Fatalf("%+v: err = %v", want, err)
		}
		if len(blobs.m) != 0 {
			t.Fatalf("%+v: a blob was stored", want)
		}
	}
}

// chunkBlobs is a BlobStore that takes a body only through WriteChunks.
type chunkBlobs struct{ memBlobs }

func (s *chunkBlobs) Put(ctx context.Context, r io.Reader, max int64) (ports.Blob, error) {
	cr, ok := r.(ports.ChunkedReader)
	if !ok {
		return ports.Blob{}, errors.New("not a ChunkedReader")
	}
	var buf bytes.Buffer
	if _, err := cr.WriteChunks(&buf); err != nil {
		return ports.Blob{}, err
	}
	return s.memBlobs.Put(ctx, &buf, max)
}

type chunkSource struct{ data []byte }

func (c *chunkSource) Read([]byte) (int, error) { return 0, errors.New("Read called") }
func (c *chunkSource) WriteChunks(w io.Writer) (int64, error) {
	n, err := w.Write(c.data)
	return int64(n), err
}

// TestIngestChunksAreVerified: a body the store takes through WriteChunks
// is hashed and checked as one it reads: a promised checksum that does not
// match stores nothing.
func TestIngestChunksAreVerified(t *testing.T) {
	data := []byte("content")
	s1 := sha1.Sum(data)
	blobs := &chunkBlobs{}
	d, err := Ingest(context.Background(), blobs, &chunkSource{data}, 0, Expect{SHA1: hex.EncodeToString(s1[:])}, false)
	if err != nil || d.SHA1 != hex.EncodeToString(s1[:]) || d.Size != int64(len(data)) {
		t.Fatalf("ingest: %+v %v", d, err)
	}
	blobs = &chunkBlobs{}
	if _, err := Ingest(context.Background(), blobs, &chunkSource{data}, 0, Expect{SHA1: "00"}, false); !errors.Is(err, ports.ErrDigestMismatch) {
		t.Fatalf("mismatch: %v", err)
	}
	if len(blobs.m) != 0 {
		t.Fatal("a mismatching body was stored")
	}
}
