package alpine

import (
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
	ia := serve(signingHost{a, signer()}, a, "GET", dir+"APKINDEX.tar.gz", nil).Bytes
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
