package debian

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// TestGoldenDocuments: a Packages stanza and a Release file as rendered
// (testdata/golden/*; refresh with -update).
func TestGoldenDocuments(t *testing.T) {
	c, err := parseControl([]byte("Package: hello\nVersion: 1:2.10-3\nArchitecture: amd64\nMaintainer: Keeper <k@keeper.invalid>\n" +
		"Depends: libc6 (>= 2.34)\nDescription: example package\n with a long description\n .\n and a blank line\n"))
	if err != nil {
		t.Fatal(err)
	}
	plugintest.Golden(t, "golden/Packages.stanza", stanza(c, "pool/main/h/hello/hello_2.10-3_amd64.deb", 1234,
		"md5", "sha1", "sha256", "sha512"))
	rel := &releaseState{Files: map[string]fileSum{
		"main/binary-amd64/Packages":    {Size: 100, MD5: "m1", SHA1: "s1", SHA256: "a1", SHA512: "b1"},
		"main/binary-amd64/Packages.gz": {Size: 80, MD5: "m2", SHA1: "s2", SHA256: "a2", SHA512: "b2"},
		"contrib/binary-arm64/Packages": {Size: 0, MD5: "m3", SHA1: "s3", SHA256: "a3", SHA512: "b3"},
	}}
	plugintest.Golden(t, "golden/Release", renderRelease("stable", rel, time.Date(2026, 12, 6, 17, 0, 0, 0, time.UTC), true))
}
