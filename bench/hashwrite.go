package bench

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// BufSize is the copy buffer of the reference, the same size fsblob uses.
const BufSize = 1 << 20

// NonceSize is how many leading bytes of a source file are replaced by random
// bytes per upload, so each body is unique and content dedup cannot shortcut it.
const NonceSize = 32

// UniqueBody returns a reader of f's content whose first NonceSize bytes are
// fresh random bytes; f is read from the start (f must be larger than NonceSize).
func UniqueBody(f *os.File, size int64) (io.Reader, error) {
	nonce := make([]byte, NonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("bench: nonce: %w", err)
	}
	return io.MultiReader(bytesReader(nonce), io.NewSectionReader(f, NonceSize, size-NonceSize)), nil
}

type byteSliceReader struct{ b []byte }

func bytesReader(b []byte) *byteSliceReader { return &byteSliceReader{b: b} }

func (r *byteSliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// HashWrite is the machine's upload limit: it writes r to a new file at dst
// while hashing it with crypto/sha256 in one pass, then fsyncs and closes it.
// It returns the hex digest and the byte count.
func HashWrite(dst string, r io.Reader) (string, int64, error) {
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return "", 0, fmt.Errorf("bench: hashwrite: %w", err)
	}
	h := sha256.New()
	buf := make([]byte, BufSize)
	var n int64
	for {
		k, rerr := r.Read(buf)
		if k > 0 {
			h.Write(buf[:k])
			if _, err := f.Write(buf[:k]); err != nil {
				_ = f.Close()
				return "", n, fmt.Errorf("bench: hashwrite: %w", err)
			}
			n += int64(k)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			_ = f.Close()
			return "", n, fmt.Errorf("bench: hashwrite: read: %w", rerr)
		}
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return "", n, fmt.Errorf("bench: hashwrite: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", n, fmt.Errorf("bench: hashwrite: close: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
