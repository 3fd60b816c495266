package buf

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
)

// oldDownloadContent is DownloadResponse.Content as download wrote it for
// every request before the raw copy: the files decoded, then re-encoded.
func oldDownloadContent(commit, raw []byte) ([]byte, error) {
	files, err := decodeFiles(raw)
	if err != nil {
		return nil, err
	}
	return encodeFiles(appendBytes(nil, 1, commit), 2, files), nil
}

func randomFiles(r *rand.Rand) []protoFile {
	texts := []string{"a.proto", "acme/pet/v1/pet.proto", "日本/ü.proto", strings.Repeat("d/", 100) + "x.proto"}
	files := make([]protoFile, r.Intn(6))
	for i := range files {
		files[i] = protoFile{Path: texts[r.Intn(len(texts))], Content: bytes.Repeat([]byte{byte(r.Intn(256))}, []int{0, 1, 127, 128, 300, 20000}[r.Intn(6)])}
	}
	return files
}

// TestDownloadCopyMatchesRender: whenever canonicalFiles takes stored files,
// copying them gives the bytes decoding and re-encoding them gave, and it
// takes everything encodeFiles writes with non-empty paths (the uploads'
// form): no file, one, many, empty and large contents (multi-byte lengths),
// unicode paths; plus 3,000 random corruptions of those (overlong varints,
// other fields, other orders, truncations), which must either be refused
// or still match.
func TestDownloadCopyMatchesRender(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	commit := []byte("\x0a\x20" + strings.Repeat("c", 32))
	var raws [][]byte
	for i := 0; i < 500; i++ {
		raw := encodeFiles(nil, 2, randomFiles(r))
		if !canonicalFiles(raw) {
			t.Fatalf("encodeFiles output refused: %x", raw)
		}
		raws = append(raws, raw)
	}
	crafted := [][]byte{
		{0x12, 0x04, 0x0a, 0x81, 0x00, 'a'},                  // overlong path length
		{0x12, 0x84, 0x00, 0x0a, 0x01, 'a', 0x12, 0x01, 'b'}, // overlong file length
		{0x12, 0x80, 0x03},                                   // overlong length
		{0x12, 0x03, 0x0a, 0x01, 'a', 0x08, 0x01},            // a varint field after the path
		{0x12, 0x06, 0x12, 0x01, 'x', 0x0a, 0x01, 'a'},       // content before path
		{0x12, 0x06, 0x0a, 0x01, 'a', 0x0a, 0x01, 'b'},       // path twice
		{0x12, 0x02, 0x12, 0x00},                             // no path
		{0x12, 0x04, 0x0a, 0x01, 'a', 0x12},                  // truncated
		{0x0a, 0x03, 0x0a, 0x01, 'a'},                        // field 1 at the top
		{0x12, 0x05, 0x0a, 0x81, 0x00, 'a', 0x12, 0x00},      // overlong path length
		{0x12, 0x05, 0x0a, 0x01, 'a', 0x12, 0x00},            // empty content written
		{0x12, 0x03, 0x0a, 0x01, 'a', 0x18, 0x01},            // a field after the file
		{0x12, 0x00}, // empty file
	}
	for _, c := range crafted {
		if canonicalFiles(c) {
			t.Fatalf("non-canonical files taken: %x", c)
		}
	}
	for i := 0; i < 3000; i++ {
		b := append([]byte(nil), raws[r.Intn(len(raws))]...)
		if len(b) == 0 {
			continue
		}
		p := r.Intn(len(b))
		switch r.Intn(3) {
		case 0:
			b[p] = byte(r.Intn(256))
		case 1:
			b = b[:p]
		default:
			b = append(b[:p], append([]byte{byte(r.Intn(256))}, b[p:]...)...)
		}
		raws = append(raws, b)
	}
	raws = append(raws, crafted...)
	taken := 0
	for _, raw := range raws {
		if !canonicalFiles(raw) {
			continue
		}
		taken++
		want, err := oldDownloadContent(commit, raw)
		got := append(appendBytes(nil, 1, commit), raw...)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%x: copy %x, render %x (%v)", raw, got, want, err)
		}
	}
	if taken < 500 {
		t.Fatalf("only %d stored file sets copied", taken)
	}
}
