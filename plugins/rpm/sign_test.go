package rpm

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// TestRepomdSignature checks repomd.xml.asc as dnf's repo_gpgcheck does: an
// armored detached signature of repomd.xml by the key served at
// repodata/repomd.xml.key; a changed repomd.xml does not verify.
func TestRepomdSignature(t *testing.T) {
	h := published(t)
	md := fetch(t, h, "/repodata/repomd.xml")
	asc := fetch(t, h, "/repodata/repomd.xml.asc")
	key := fetch(t, h, "/repodata/repomd.xml.key")
	if !strings.HasPrefix(string(asc), "-----BEGIN PGP SIGNATURE-----") || !strings.HasPrefix(string(key), "-----BEGIN PGP PUBLIC KEY BLOCK-----") {
		t.Fatalf("signature or key not armored:\n%s\n%s", asc, key)
	}
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(key))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(md), bytes.NewReader(asc), nil); err != nil {
		t.Fatalf("repomd.xml.asc: %v", err)
	}
	changed := bytes.Replace(md, []byte("<revision>"), []byte("<revision>1"), 1)
	if _, err := openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(changed), bytes.NewReader(asc), nil); err == nil {
		t.Fatal("the signature verifies a changed repomd.xml")
	}
	unsigned := newHost()
	for _, p := range []string{"/repodata/repomd.xml.asc", "/repodata/repomd.xml.key"} {
		if r := serveSigned(unsigned, false, getReq(unsigned, p)); r.Status != 404 || !strings.Contains(string(r.Bytes), "no signing key") {
			t.Fatalf("%s without a key: %d %s", p, r.Status, r.Bytes)
		}
	}
}
