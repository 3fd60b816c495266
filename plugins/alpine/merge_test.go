package alpine

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// TestMergeMembers joins a signed and an unsigned member index: every
// package once (the first member's copy), unsigned.
func TestMergeMembers(t *testing.T) {
	a, b := newHost(), newHost()
	apk, _ := hello.build()
	tl, _ := tool.build()
	serve(a, a, "PUT", dir+"keeper-hello-1.0-r0.apk", apk)
	serve(b, b, "PUT", dir+"keeper-hello-1.0-r0.apk", apk)
	serve(b, b, "PUT", dir+"keeper-tool-0.3-r2.apk", tl)
	ia := serve(signingHost{Host: a, Signer: signer()}, a, "GET", dir+"APKINDEX.tar.gz", nil).Bytes
	ib := serve(b, b, "GET", dir+"APKINDEX.tar.gz", nil).Bytes
	out, err := Plugin{}.Merge(nil, dir+"APKINDEX.tar.gz", [][]byte{ia, ib})
	if err != nil {
		t.Fatal(err)
	}
	raw, plain := segments(t, out)
	idx := string(tarEntries(t, plain[0])["APKINDEX"])
	if len(raw) != 1 || strings.Count(idx, "P:keeper-hello\n") != 1 || !strings.Contains(idx, "P:keeper-tool\n") {
		t.Fatalf("merged index (%d segments):\n%s", len(raw), idx)
	}
	if _, err := (Plugin{}).Merge(nil, dir+"APKINDEX.tar.gz", [][]byte{ia, []byte("junk")}); err == nil {
		t.Fatal("merged a member that is no index")
	}
	for p, want := range map[string]sdk.CacheClass{dir + "APKINDEX.tar.gz": sdk.Mutable, dir + "a-1-r0.apk": sdk.Immutable,
		"/keys/k.rsa.pub": sdk.Mutable, "/x": sdk.Unknown} {
		if got := (Plugin{}).Classify(p); got != want {
			t.Errorf("Classify(%s) = %v", p, got)
		}
	}
}

// TestMergeSignsWithTheVirtualsKey: with the virtual repository's key (the
// host binds merge to it) the merged index is signed and /keys/ answers
// that key; another key name merges to nothing (the host's 404).
func TestMergeSignsWithTheVirtualsKey(t *testing.T) {
	a, b := newHost(), newHost()
	apk, _ := hello.build()
	tl, _ := tool.build()
	serve(a, a, "PUT", dir+"keeper-hello-1.0-r0.apk", apk)
	serve(b, b, "PUT", dir+"keeper-tool-0.3-r2.apk", tl)
	ia := serve(a, a, "GET", dir+"APKINDEX.tar.gz", nil).Bytes
	ib := serve(b, b, "GET", dir+"APKINDEX.tar.gz", nil).Bytes
	virt := signingHost{Host: newHost(), Signer: signer()}
	out, err := Plugin{}.Merge(virt, dir+"APKINDEX.tar.gz", [][]byte{ia, ib})
	if err != nil {
		t.Fatal(err)
	}
	raw, plain := segments(t, out)
	if len(raw) != 2 {
		t.Fatalf("merged index has %d segments, want a signature and the index", len(raw))
	}
	sig := tarEntries(t, plain[0])[".SIGN.RSA.keeper-test-alpine.rsa.pub"]
	key, err := Plugin{}.Merge(virt, "/keys/keeper-test-alpine.rsa.pub", [][]byte{[]byte("x")})
	if err != nil || sig == nil {
		t.Fatalf("key %v, signature entry %v", err, sig != nil)
	}
	block, _ := pem.Decode(key)
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(raw[1])
	if err := rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA1, sum[:], sig); err != nil {
		t.Fatalf("merged index signature: %v", err)
	}
	if k, err := (Plugin{}).Merge(virt, "/keys/other.rsa.pub", [][]byte{[]byte("x")}); err != nil || len(k) != 0 {
		t.Fatalf("another key name: %q %v", k, err)
	}
	if r := serve(a, a, "GET", "/keys/any.rsa.pub", nil); r.Status != 404 {
		t.Fatalf("a member asked by a client: %d", r.Status)
	}
}
