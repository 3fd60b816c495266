package e2e

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// content returns n deterministic pseudo-random bytes for seed.
func content(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24), 0xe2, 0xe})
	_, _ = r.Read(b)
	return b
}

// checkDownload reports (as an error) unless path downloads as exactly want.
func checkDownload(k *harness.Keeper, repo, path string, want []byte) error {
	r, err := k.Download(repo, path)
	if err != nil {
		return fmt.Errorf("download %s: %v", path, err)
	}
	if r.Status != http.StatusOK {
		return fmt.Errorf("download %s: %s", path, r)
	}
	if !bytes.Equal(r.Body, want) {
		return fmt.Errorf("download %s: %d bytes sha256 %s, want %d bytes sha256 %s",
			path, len(r.Body), harness.SHA256(r.Body), len(want), harness.SHA256(want))
	}
	return nil
}

// checkListing asserts the listing of repo holds exactly one row per path
// of want, with the right size and sha256, and nothing else.
func checkListing(t *testing.T, k *harness.Keeper, repo string, want map[string][]byte, pageSize int) {
	t.Helper()
	rows, err := k.List(repo, "", pageSize)
	if err != nil {
		t.Fatalf("list %s: %v", repo, err)
	}
	seen := map[string]bool{}
	for _, row := range rows {
		if seen[row.Path] {
			t.Errorf("listing has %q twice", row.Path)
			continue
		}
		seen[row.Path] = true
		data, ok := want[row.Path]
		if !ok {
			t.Errorf("listing has %q (size %d), which was never acknowledged", row.Path, row.Size)
			continue
		}
		if row.Size != int64(len(data)) || row.SHA256 != harness.SHA256(data) {
			t.Errorf("listing row %q: size %d sha256 %s, want %d %s", row.Path, row.Size, row.SHA256, len(data), harness.SHA256(data))
		}
	}
	for p := range want {
		if !seen[p] {
			t.Errorf("listing lacks acknowledged %q", p)
		}
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
