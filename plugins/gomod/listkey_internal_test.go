package gomod

import (
	"archive/zip"
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// genVersions draws n canonical, listable versions (no pseudo-version):
// numbers of every length class, pre-releases mixing numeric and
// alphanumeric identifiers (prefixes of each other, hyphens, upper case),
// and +incompatible.
func genVersions(rng *rand.Rand, n int) []string {
	nums := []string{"0", "1", "2", "9", "10", "11", "99", "100", "65536", "999999999999", "1000000000000",
		"12345678901234567890123456789012345678901234567890"[:40]}
	ids := []string{"0", "1", "2", "10", "11", "a", "alpha", "alpha1", "alpha-1", "beta", "rc", "RC", "Z", "z", "-", "x--y", "0a", "1a"}
	var out []string
	for len(out) < n {
		v := "v" + nums[rng.IntN(len(nums))] + "." + nums[rng.IntN(len(nums))] + "." + nums[rng.IntN(len(nums))]
		if rng.IntN(2) == 0 {
			v += "-" + ids[rng.IntN(len(ids))]
			for k := rng.IntN(4); k > 0; k-- {
				v += "." + ids[rng.IntN(len(ids))]
			}
		}
		if rng.IntN(8) == 0 {
			v += "+incompatible"
		}
		if !semver.IsValid(v) || module.CanonicalVersion(v) != v || module.IsPseudoVersion(v) {
			continue
		}
		out = append(out, v)
	}
	return out
}

// TestListKeyOrder: sorting on the keys as the host does (the bytes of the
// quoted JSON string) orders generated versions exactly as semver.Sort,
// the previous render's order, ties included.
func TestListKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for round := 0; round < 400; round++ {
		vs := genVersions(rng, 1+rng.IntN(60))
		want := slices.Clone(vs)
		semver.Sort(want)
		quoted := map[string][]byte{}
		for _, v := range vs {
			k, ok := listKey(v)
			if !ok {
				t.Fatalf("no key for %s", v)
			}
			quoted[v] = []byte(`"` + k + `"`)
			if meta := infoMeta(v); !bytes.Contains(meta, quoted[v]) || bytes.ContainsAny(quoted[v][1:len(quoted[v])-1], "\"\\") {
				t.Fatalf("%s: metadata %s does not hold the key verbatim", v, meta)
			}
		}
		got := slices.Clone(vs)
		slices.SortStableFunc(got, func(a, b string) int { return bytes.Compare(quoted[a], quoted[b]) })
		if !slices.Equal(got, want) {
			t.Fatalf("round %d:\n%q\nwant\n%q", round, got, want)
		}
	}
}

// TestListKeyRefusals: a version listKey cannot order exactly gets no key
// (its module's list is read by the guest), a pseudo-version the marker.
func TestListKeyRefusals(t *testing.T) {
	for _, v := range []string{"", "v1", "v1.2", "1.2.3", "v1.2.3-", "v01.2.3", "v1.2.3-01",
		"v1." + strings.Repeat("9", 41) + ".0", "v1.0.0-" + strings.Repeat("7", 41),
		"v0.0.0-20240101000000-abcdefabcdef", "v1.2.4-0.20240101000000-abcdefabcdef"} {
		if k, ok := listKey(v); ok {
			t.Errorf("%q: key %q", v, k)
		}
	}
	if m := string(infoMeta("v0.0.0-20240101000000-abcdefabcdef")); m != pseudoMeta {
		t.Errorf("pseudo-version metadata %s", m)
	}
	if m := string(infoMeta("v1.2")); m != "{}" {
		t.Errorf("unkeyed metadata %s", m)
	}
}

// storeVersion stores v's three files as put does (paths, package,
// version, metadata); bare leaves out the .info's metadata (file) and the
// .mod's (mod), as a version stored before the key.
func storeVersion(h *fakehost.Host, escMod, mod, v string, bareInfo, bareMod bool) {
	esc, _ := module.EscapeVersion(v)
	tg := target{escMod: escMod, escVer: esc, mod: mod, ver: v}
	meta := map[string][]byte{kindZip: zipMeta(tg, zipContents{files: 1, size: 20}), kindMod: []byte(modMeta), kindInfo: infoMeta(v)}
	if bareInfo {
		meta[kindInfo] = nil
	}
	if bareMod {
		meta[kindMod] = nil
	}
	for _, ext := range []string{kindZip, kindMod, kindInfo} {
		p := tg.stored(ext)
		h.Files[p] = sdk.File{Path: p, Package: mod, Version: v, Metadata: meta[ext], SHA256: strings.Repeat("a", 64), Size: 10}
	}
}

// TestAssembledListMatchesPrevious: on generated modules whose versions
// were stored as an upload stores them (with pseudo-versions, upper case,
// +incompatible, a neighbour module), @v/list is the host's sorted loop and
// byte-identical to the previous render; one version stored before the
// key (its .info or its .mod without metadata), a foreign file under the
// prefix, or only pseudo-versions make the guest render it, identically.
func TestAssembledListMatchesPrevious(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1))
	const escMod, mod = "example.com/!lib", "example.com/Lib"
	tg, err := parseTarget(escMod + "/@v/list")
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 300; round++ {
		h := fakehost.New(&sdk.RepoContext{Key: "go", Kind: "local", Format: "go"})
		vs := genVersions(rng, []int{1, 2, 5, 40, 400}[round%5])
		for _, v := range vs {
			storeVersion(h, escMod, mod, v, false, false)
		}
		for k := rng.IntN(3); k > 0; k-- {
			storeVersion(h, escMod, mod, "v0.0.0-2024010100000"+string(rune('0'+k))+"-abcdefabcdef", false, false)
		}
		storeVersion(h, "example.com/!lib2", "example.com/Lib2", "v9.0.0", true, true)
		keyed := true
		switch round % 10 {
		case 3:
			storeVersion(h, escMod, mod, "v1.2.3-old", true, false)
			keyed = false
		case 5:
			storeVersion(h, escMod, mod, "v1.2.4", false, true)
			keyed = false
		case 7:
			h.Files[escMod+"/@v/sub/v1.0.0.info"] = sdk.File{Path: escMod + "/@v/sub/v1.0.0.info", Metadata: []byte(`{}`)}
			keyed = false
		case 9:
			h = fakehost.New(&sdk.RepoContext{Key: "go", Kind: "local", Format: "go"})
			storeVersion(h, escMod, mod, "v0.0.0-20240101000000-abcdefabcdef", false, false)
			keyed = false
		}
		if _, ok := assembledList(h, tg); ok != keyed {
			t.Fatalf("round %d: assembled %v, want %v", round, ok, keyed)
		}
		want := oldList(h, tg)
		r, err := list(h, tg)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != 200 || !bytes.Equal(r.Bytes, want) {
			t.Fatalf("round %d: %d\n%s\nwant\n%s", round, r.Status, r.Bytes, want)
		}
	}
}

// TestUploadsListedByHost: versions uploaded through the plugin (a release,
// a pre-release, a pseudo-version) carry the metadata the host's list
// needs, so @v/list takes the host path, lists them in order without the
// pseudo-version, and still does after a DELETE.
func TestUploadsListedByHost(t *testing.T) {
	h := fakehost.New(&sdk.RepoContext{Key: "go", Kind: "local", Format: "go", BaseURL: "http://h/go/go"})
	const mod = "example.com/m"
	p := Plugin{Now: func() time.Time { return time.Unix(1700000000, 0) }}
	call := func(method, path string, body []byte) *sdk.Response {
		req := &sdk.Request{Method: method, Path: path, Repo: h.RepoCtx}
		if body != nil {
			req.Body = &sdk.Body{Digest: h.AddBlob(body), Size: uint64(len(body))}
		}
		r, err := sdk.CallHandle(p, h, req)
		if err != nil {
			t.Fatal(err)
		}
		h.Commit()
		return r
	}
	for _, v := range []string{"v1.10.0", "v1.2.0", "v1.2.0-rc.1", "v0.0.0-20240102030405-abcdefabcdef"} {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create(mod + "@" + v + "/go.mod")
		_, _ = w.Write([]byte("module " + mod + "\n"))
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if r := call("PUT", "/"+mod+"/@v/"+v+".zip", buf.Bytes()); r.Status != 201 {
			t.Fatalf("upload %s: %d %s", v, r.Status, r.Bytes)
		}
	}
	tg, _ := parseTarget(mod + "/@v/list")
	for _, want := range []string{"v1.2.0-rc.1\nv1.2.0\nv1.10.0\n", "v1.2.0-rc.1\nv1.10.0\n"} {
		a, ok := assembledList(h, tg)
		if !ok || string(a.Doc) != want {
			t.Fatalf("host list %v %q, want %q", ok, a.Doc, want)
		}
		if r := call("GET", "/"+mod+"/@v/list", nil); r.Status != 200 || string(r.Bytes) != want {
			t.Fatalf("GET list: %d %q", r.Status, r.Bytes)
		}
		if r := call("DELETE", "/"+mod+"/@v/v1.2.0.zip", nil); r.Status != 204 && r.Status != 404 {
			t.Fatalf("DELETE: %d", r.Status)
		}
	}
}
