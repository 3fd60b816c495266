package hex

import (
	"testing"

	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// TestMergeSignsWithTheVirtualsKey merges two members' resources: the
// first member wins a release, the payloads name the virtual repository
// and verify with the virtual's key (as hex_core checks), not a member's.
func TestMergeSignsWithTheVirtualsKey(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	a.repo.Key, b.repo.Key = "a", "b"
	ta := hexTarball(t, "mydep", "1.0.0", "[]", nil)
	a.want(a.call("POST", "/api/publish", ta), 201, "")
	a.want(a.call("POST", "/api/publish", hexTarball(t, "mydep", "1.1.0", "[]", nil)), 201, "")
	b.want(b.call("POST", "/api/publish", hexTarball(t, "mydep", "1.0.0", "[]", func(f map[string][]byte) { f["README"] = []byte("b") })), 201, "")
	b.want(b.call("POST", "/api/publish", hexTarball(t, "mydep", "2.0.0", "[]", nil)), 201, "")
	b.want(b.call("POST", "/api/publish", hexTarball(t, "other", "0.1.0", "[]", nil)), 201, "")

	vs, err := pgp.NewSigner(pgp.RSA3072, "virt")
	if err != nil {
		t.Fatal(err)
	}
	mh := porttest.NewMemHost()
	mh.Signing = vs
	vh := plugintest.NewBridge(mh, &sdk.RepoContext{Key: "virt"})
	merge := func(path string) []byte {
		t.Helper()
		out, err := Plugin{}.Merge(vh, path, [][]byte{a.call("GET", path, nil).Body, b.call("GET", path, nil).Body})
		if err != nil {
			t.Fatalf("merge %s: %v", path, err)
		}
		return out
	}
	key, err := Plugin{}.Merge(vh, "/public_key", [][]byte{a.call("GET", "/public_key", nil).Body})
	if err != nil {
		t.Fatal(err)
	}

	pkg := decodeFields(t, payload(t, merge("/packages/mydep"), key))
	if string(pkg[2][0]) != "mydep" || string(pkg[3][0]) != "virt" || len(pkg[1]) != 3 {
		t.Fatalf("merged package: %v", pkg)
	}
	for i, want := range []string{"1.0.0", "1.1.0", "2.0.0"} {
		if v := string(decodeFields(t, pkg[1][i])[1][0]); v != want {
			t.Fatalf("release %d is %s, want %s", i, v, want)
		}
	}
	if got := bytesHex(decodeFields(t, pkg[1][0])[5][0]); got != sha256hex(ta) {
		t.Fatalf("1.0.0 is not the first member's: %s", got)
	}
	names := decodeFields(t, payload(t, merge("/names"), key))
	if len(names[1]) != 2 || string(names[2][0]) != "virt" {
		t.Fatalf("merged names: %v", names)
	}
	vers := decodeFields(t, payload(t, merge("/versions"), key))
	mydep := decodeFields(t, vers[1][0])
	if string(vers[2][0]) != "virt" || len(vers[1]) != 2 || string(mydep[1][0]) != "mydep" || len(mydep[2]) != 3 || string(mydep[2][2]) != "2.0.0" {
		t.Fatalf("merged versions: %v / %v", vers, mydep)
	}

	if _, err := (Plugin{}).Merge(vh, "/names", [][]byte{gz([]byte("\x0a\xff"))}); err == nil {
		t.Fatal("merged a malformed resource")
	}
	mh.Signing = nil
	if _, err := (Plugin{}).Merge(vh, "/names", [][]byte{a.call("GET", "/names", nil).Body}); err == nil {
		t.Fatal("merged without the virtual's key")
	}
}
