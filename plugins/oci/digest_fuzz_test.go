package oci

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// FuzzParseDigest: a digest is accepted only as "sha256:" or "sha512:"
// with the exact number of lower-case hex digits
// (https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests),
// and it always splits back into what was given.
func FuzzParseDigest(f *testing.F) {
	s := sha256.Sum256([]byte("x"))
	f.Add("sha256:" + hex.EncodeToString(s[:]))
	f.Add("sha512:" + strings.Repeat("ab", 64))
	f.Add("sha256:" + strings.ToUpper(hex.EncodeToString(s[:])))
	f.Add("sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564")
	f.Add("sha256:")
	f.Fuzz(func(t *testing.T, d string) {
		alg, h, ok := parseDigest(d)
		if !ok {
			return
		}
		want := map[string]int{"sha256": 64, "sha512": 128}[alg]
		if want == 0 || len(h) != want || alg+":"+h != d || strings.Trim(h, "0123456789abcdef") != "" {
			t.Fatalf("accepted %q as %q %q", d, alg, h)
		}
	})
}
