package opkg

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestClassify(t *testing.T) {
	for path, want := range map[string]sdk.CacheClass{
		feed + "keeper-hello_1.0-1_x86_64.ipk": sdk.Immutable, feed + "Packages": sdk.Mutable,
		feed + "Packages.gz": sdk.Mutable, feed + "Packages.sig": sdk.Mutable, "/key.asc": sdk.Mutable, "/other": sdk.Unknown,
	} {
		if got := (Plugin{}).Classify(path); got != want {
			t.Errorf("Classify(%s) = %d, want %d", path, got, want)
		}
	}
}

// TestMerge joins a local member's plain answer and a remote member's
// Packages.gz, the first member winning a clash, and signs the joined
// Packages with the virtual's key.
func TestMerge(t *testing.T) {
	a, _ := published(t, false)
	st, memberA := a.req("GET", feed+"Packages.sig", nil, ports.Header{Name: "Accept", Value: "application/json"})
	if st != 200 || !strings.HasPrefix(string(memberA), "Package: ") {
		t.Fatalf("member answer: %d %s", st, memberA)
	}
	b := newEnv(t, false)
	other := ipkSpec{control: controlText("keeper-other", "5", "all"), files: map[string]string{"./x": "x"}}
	if st, body := b.req("PUT", feed+"keeper-other_5_all.ipk", other.build()); st != 201 {
		t.Fatalf("%d %s", st, body)
	}
	clash := hello
	clash.control = controlText("keeper-hello", "1.0-1", "x86_64") + "Conflicts: from-b\n"
	if st, body := b.req("PUT", feed+"keeper-hello_1.0-1_x86_64.ipk", clash.build()); st != 201 {
		t.Fatalf("%d %s", st, body)
	}
	memberB := b.get(feed + "Packages.gz")

	v := newEnv(t, true)
	host := plugintest.NewBridge(v.h, &sdk.RepoContext{Key: "virt", Format: "opkg"})
	joined, err := Plugin{}.Merge(host, feed+"Packages", [][]byte{memberA, memberB})
	if err != nil {
		t.Fatal(err)
	}
	ps := paragraphs(t, string(joined))
	if len(ps) != 3 || ps["keeper-hello"]["Conflicts"] != "" || ps["keeper-other"]["Version"] != "5" {
		t.Fatalf("joined:\n%s", joined)
	}
	gz, err := Plugin{}.Merge(host, feed+"Packages.gz", [][]byte{memberA, memberB})
	if err != nil {
		t.Fatal(err)
	}
	zr, _ := gzip.NewReader(bytes.NewReader(gz))
	if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, joined) {
		t.Fatal("merged Packages.gz differs from merged Packages")
	}
	sig, err := Plugin{}.Merge(host, feed+"Packages.sig", [][]byte{memberA, memberB})
	if err != nil {
		t.Fatal(err)
	}
	key, err := Plugin{}.Merge(host, "/key.asc", [][]byte{[]byte("{}")})
	if err != nil {
		t.Fatal(err)
	}
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(key))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(joined), bytes.NewReader(sig), nil); err != nil {
		t.Fatalf("merged Packages.sig: %v", err)
	}
	upstreamSig := a.get(feed + "Packages") // a plain index is fine, a signature is not
	if _, err := (Plugin{}).Merge(host, feed+"Packages.sig", [][]byte{upstreamSig, sig}); err == nil ||
		!strings.Contains(err.Error(), "signature cannot be merged") {
		t.Fatalf("merging a member's signature: %v", err)
	}
}
