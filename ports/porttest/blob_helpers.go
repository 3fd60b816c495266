package porttest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// blobRandom returns n deterministic pseudo-random bytes for seed.
func blobRandom(seed uint64, n int) []byte {
	b := make([]byte, n)
	_, _ = io.ReadFull(blobStream(seed, int64(n)), b)
	return b
}

// blobStream yields n deterministic pseudo-random bytes for seed without
// holding them in memory.
func blobStream(seed uint64, n int64) io.Reader {
	var key [32]byte
	for i := range 8 {
		key[i] = byte(seed >> (8 * i))
	}
	return io.LimitReader(rand.NewChaCha8(key), n)
}

func blobDigest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func blobPut(t *testing.T, s ports.BlobStore, data []byte) ports.Blob {
	t.Helper()
	b, err := s.Put(context.Background(), bytes.NewReader(data), 0)
	if err != nil {
		t.Fatalf("put %d bytes: %v", len(data), err)
	}
	return b
}

// blobReadAll opens digest, checks the reported size and returns its content.
func blobReadAll(t *testing.T, s ports.BlobStore, digest string, wantSize int64) []byte {
	t.Helper()
	r, size, err := s.Open(context.Background(), digest)
	if err != nil {
		t.Fatalf("open %s: %v", digest, err)
	}
	defer r.Close()
	if size != wantSize {
		t.Fatalf("open %s: size = %d, want %d", digest, size, wantSize)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", digest, err)
	}
	return b
}

func blobWantNotFound(t *testing.T, s ports.BlobStore, digest string) {
	t.Helper()
	ctx := context.Background()
	r, _, err := s.Open(ctx, digest)
	if r != nil {
		_ = r.Close()
	}
	if !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("open %s: err = %v, want ErrNotFound", digest, err)
	}
	if _, err := s.Stat(ctx, digest); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("stat %s: err = %v, want ErrNotFound", digest, err)
	}
}

// blobWalkAll returns digest → size of every blob Walk reports, failing on
// a digest reported twice.
func blobWalkAll(t *testing.T, s ports.BlobStore) map[string]int64 {
	t.Helper()
	all := map[string]int64{}
	err := s.Walk(context.Background(), func(b ports.Blob, _ time.Time) error {
		if _, dup := all[b.Digest]; dup {
			t.Errorf("walk reported %s twice", b.Digest)
		}
		all[b.Digest] = b.Size
		return nil
	})
	if err != nil {
		t.Fatalf("walk: %v", err)
	}
	return all
}

func blobWantWalk(t *testing.T, s ports.BlobStore, want map[string]int64) {
	t.Helper()
	if got := blobWalkAll(t, s); !maps.Equal(got, want) {
		t.Fatalf("walk = %v, want %v", got, want)
	}
}
