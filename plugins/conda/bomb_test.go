package conda_test

import (
	"archive/tar"
	"bytes"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// zstBombTar is a tar.zst whose one entry is 1.1 GiB of zeros (a few KB
// compressed), written in chunks so the test never holds it.
func zstBombTar(t *testing.T, idx map[string]any) []byte {
	t.Helper()
	var out bytes.Buffer
	zw, err := zstd.NewWriter(&out)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(zw)
	ie := indexEntry(t, idx)
	_ = tw.WriteHeader(&tar.Header{Name: ie.name, Mode: 0o644, Size: int64(len(ie.data))})
	_, _ = tw.Write(ie.data)
	const size = 1100 << 20
	_ = tw.WriteHeader(&tar.Header{Name: "info/huge", Mode: 0o644, Size: size})
	chunk := make([]byte, 1<<20)
	for i := 0; i < size>>20; i++ {
		_, _ = tw.Write(chunk)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestDecompressionBomb: a .conda whose info tar expands beyond the host's
// 1 GiB scan limit is refused with 400 and stores nothing.
func TestDecompressionBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1.1 GiB through zstd")
	}
	e := newEnv(t, false)
	idx := index("bomb", "1", "0", "noarch")
	pkg := zipOf(t, []entry{{"metadata.json", []byte("{}")}, {"pkg-bomb-1-0.tar.zst", zst(t, tarOf(t, nil))},
		{"info-bomb-1-0.tar.zst", zstBombTar(t, idx)}})
	st, msg := e.do("PUT", "/bomb-1-0.conda", pkg)
	if st != 400 || !strings.Contains(string(msg), "info-bomb-1-0.tar.zst") || !strings.Contains(string(msg), "decompression bomb") {
		t.Fatalf("%d %s, want 400 naming the info archive", st, msg)
	}
	t.Logf("refused: %s", msg)
	if len(e.h.Files) != 0 {
		t.Errorf("stored %d files", len(e.h.Files))
	}
}
