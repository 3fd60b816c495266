package conda_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/plugins/conda"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestMergeRepodata(t *testing.T) {
	a := []byte(`{"info":{"subdir":"noarch"},"packages":{"x-1-0.tar.bz2":{"name":"x","sha256":"a"}},"packages.conda":{},"removed":[],"repodata_version":1}`)
	b := []byte(`{"info":{"subdir":"noarch"},"packages":{"x-1-0.tar.bz2":{"name":"x","sha256":"b"},"y-2-0.tar.bz2":{"name":"y"}},"packages.conda":{"z-1-0.conda":{"name":"z"}},"repodata_version":1}`)
	out, err := conda.Plugin{}.Merge(nil, "/noarch/repodata.json", [][]byte{a, b})
	if err != nil {
		t.Fatal(err)
	}
	var r repodata
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	if r.Info["subdir"] != "noarch" || len(r.Packages) != 2 || len(r.PackagesConda) != 1 || r.Packages["x-1-0.tar.bz2"]["sha256"] != "a" {
		t.Errorf("merged: %s", out)
	}
	if _, err := (conda.Plugin{}).Merge(nil, "/noarch/repodata.json", [][]byte{a, []byte("{")}); err == nil {
		t.Error("a broken member merged")
	}
	if _, err := (conda.Plugin{}).Merge(nil, "/noarch/repodata.json.sig", [][]byte{a}); err == nil {
		t.Error("signed without the virtual's key")
	}
	// With the virtual repository's key (the host binds merge to it) the
	// merged repodata.json is signed and /repodata.json.key is that key; a
	// remote member's signature cannot be merged (nothing: the host's 404).
	mh := porttest.NewMemHost()
	signer, err := pgp.NewSigner(pgp.Ed25519, "virt")
	if err != nil {
		t.Fatal(err)
	}
	mh.Signing = signer
	vh := plugintest.NewBridge(mh, nil)
	sig, err := conda.Plugin{}.Merge(vh, "/noarch/repodata.json.sig", [][]byte{a, b})
	if err != nil {
		t.Fatal(err)
	}
	key, err := conda.Plugin{}.Merge(vh, "/repodata.json.key", [][]byte{[]byte("key")})
	if err != nil {
		t.Fatal(err)
	}
	keyring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(key))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(keyring, bytes.NewReader(out), bytes.NewReader(sig), nil); err != nil {
		t.Errorf("merged signature: %v", err)
	}
	if nothing, err := (conda.Plugin{}).Merge(vh, "/noarch/repodata.json.sig", [][]byte{a, []byte("-----BEGIN PGP SIGNATURE-----")}); err != nil || len(nothing) != 0 {
		t.Errorf("a remote member's signature merged: %q %v", nothing, err)
	}

	// Compressed forms are decompressed, merged and compressed again by the host.
	h := plugintest.NewBridge(porttest.NewMemHost(), nil)
	za, _ := sdk.Compress(h, sdk.Zstd, sdk.Source{Bytes: a})
	zb, _ := sdk.Compress(h, sdk.Zstd, sdk.Source{Bytes: b})
	ra, _ := h.ReadBlob(za.Digest, 0, uint32(za.Size))
	rb, _ := h.ReadBlob(zb.Digest, 0, uint32(zb.Size))
	zout, err := conda.Plugin{}.Merge(h, "/noarch/repodata.json.zst", [][]byte{ra, rb})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := sdk.Decompress(h, sdk.Zstd, sdk.Source{Bytes: zout}, 1<<20)
	if err != nil || !bytes.Equal(plain, out) {
		t.Errorf("zst merge: %v %s", err, plain)
	}
}

func TestMergeChanneldata(t *testing.T) {
	a := []byte(`{"channeldata_version":1,"packages":{"x":{"subdirs":["noarch"],"version":"1.9"}},"subdirs":["noarch"]}`)
	b := []byte(`{"channeldata_version":1,"packages":{"x":{"subdirs":["linux-64"],"version":"1.10"},"y":{"subdirs":["noarch"],"version":"2"}},"subdirs":["linux-64","noarch"]}`)
	out, err := conda.Plugin{}.Merge(nil, "/channeldata.json", [][]byte{a, b})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"channeldata_version":1,"packages":{"x":{"subdirs":["linux-64","noarch"],"version":"1.10"},"y":{"subdirs":["noarch"],"version":"2"}},"subdirs":["linux-64","noarch"]}`
	if string(out) != want {
		t.Errorf("merged:\n%s\nwant\n%s", out, want)
	}
}

func TestClassifyAndRewrite(t *testing.T) {
	p := conda.Plugin{}
	for path, want := range map[string]sdk.CacheClass{
		"/noarch/repodata.json": sdk.Mutable, "/noarch/repodata.json.zst": sdk.Mutable, "/noarch/current_repodata.json": sdk.Mutable,
		"/channeldata.json": sdk.Mutable, "/noarch/x-1-0.conda": sdk.Immutable, "/linux-64/x-1-0.tar.bz2": sdk.Immutable,
		"/parts/noarch/x-1-0.conda.json": sdk.Unknown, "/x": sdk.Unknown,
	} {
		if got := p.Classify(path); got != want {
			t.Errorf("Classify(%s) = %v, want %v", path, got, want)
		}
	}
	body := []byte(`{"info":{"subdir":"noarch","base_url":"http://up/conda/ch/noarch"},"packages":{}}`)
	out, err := p.Rewrite(nil, "/noarch/repodata.json", body, "http://up/conda/ch", "http://me/conda/px")
	if err != nil || !strings.Contains(string(out), `"base_url":"http://me/conda/px/noarch"`) {
		t.Errorf("rewrite: %v %s", err, out)
	}
	if out, _ := p.Rewrite(nil, "/noarch/x-1-0.conda", body, "http://up/conda/ch", "http://me/conda/px"); !bytes.Equal(out, body) {
		t.Error("a package was rewritten")
	}
}
