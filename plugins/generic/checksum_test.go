package generic_test

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

func hexOf(sum []byte) string { return hex.EncodeToString(sum) }

// TestChecksumHeadersVerified: a PUT whose X-Checksum-* header does not match
// the body is a 400 and stages nothing; matching headers (any case) store.
func TestChecksumHeadersVerified(t *testing.T) {
	body := "payload"
	s256, s1, m5 := sha256.Sum256([]byte(body)), sha1.Sum([]byte(body)), md5.Sum([]byte(body))
	other := sha256.Sum256([]byte("other"))
	cases := []struct {
		name    string
		headers []sdk.Header
		status  int
	}{
		{"no headers", nil, 201},
		{"matching", []sdk.Header{{Name: "X-Checksum-Sha256", Value: strings.ToUpper(hexOf(s256[:]))},
			{Name: "X-Checksum-Sha1", Value: hexOf(s1[:])}, {Name: "X-Checksum-Md5", Value: hexOf(m5[:])}}, 201},
		{"sha256 of other content", []sdk.Header{{Name: "X-Checksum-Sha256", Value: hexOf(other[:])}}, 400},
		{"sha256 garbage", []sdk.Header{{Name: "X-Checksum-Sha256", Value: "zz"}}, 400},
		{"sha1 mismatch", []sdk.Header{{Name: "X-Checksum-Sha1", Value: hexOf(s256[:20])}}, 400},
		{"md5 mismatch", []sdk.Header{{Name: "X-Checksum-Md5", Value: hexOf(s1[:16])}}, 400},
	}
	// The host hands this plugin the sha256 only (sha256-bodies): sha1 and
	// md5 must come from the hash import, as when an older host filled them.
	for _, hostDigests := range []bool{false, true} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/host digests %v", c.name, hostDigests), func(t *testing.T) {
				h := fakehost.New(repo(false))
				req := put(h, "/a/b.bin", body)
				req.Body.SHA1, req.Body.MD5, req.Body.SHA512 = "", "", ""
				if hostDigests {
					req.Body.SHA1, req.Body.MD5 = hexOf(s1[:]), hexOf(m5[:])
				}
				req.Headers = c.headers
				r := do(t, h, req)
				if r.Status != c.status {
					t.Fatalf("%d %s", r.Status, r.Bytes)
				}
				if c.status >= 400 && len(h.StagedFiles) != 0 {
					t.Fatalf("staged %+v", h.StagedFiles)
				}
			})
		}
	}
}

// TestPathLengthLimited: a path the REST API could not read back (over
// 1024 bytes, found by the HTTP fuzz harness) is refused, one at the limit
// is stored.
func TestPathLengthLimited(t *testing.T) {
	h := fakehost.New(repo(false))
	if r := do(t, h, put(h, "/"+strings.Repeat("a", 1025), "x")); r.Status != 400 || len(h.StagedFiles) != 0 {
		t.Fatalf("1025 bytes: %d %s", r.Status, r.Bytes)
	}
	if r := do(t, h, put(h, "/"+strings.Repeat("a", 1024), "x")); r.Status != 201 {
		t.Fatalf("1024 bytes: %d %s", r.Status, r.Bytes)
	}
}
