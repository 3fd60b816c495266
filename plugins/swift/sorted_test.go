package swift

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// TestSortKeyOrder: sorting 3,000 generated SemVer versions (big and equal
// numbers, pre-release and build identifiers) stably by their sort keys'
// bytes gives readReleases' order (a stable sort by semver.Compare), and
// each key ends with its version after a space.
func TestSortKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	num := func() string {
		return []string{"0", "1", "2", "9", "10", "11", "99", "100", "18446744073709551615"}[rng.IntN(9)]
	}
	ids := []string{"alpha", "beta", "rc", "0", "1", "2", "10", "a-b", "A", "Z", "z", "-", "1a", "rc1", "rc10"}
	var vs []string
	for len(vs) < 3000 {
		v := num() + "." + num() + "." + num()
		if rng.IntN(2) == 0 {
			v += "-" + ids[rng.IntN(len(ids))]
			for n := rng.IntN(3); n > 0; n-- {
				v += "." + ids[rng.IntN(len(ids))]
			}
		}
		if rng.IntN(4) == 0 {
			v += "+" + []string{"b", "a", "build.1", "001", "z.9"}[rng.IntN(5)]
		}
		if semver.Valid(v) {
			vs = append(vs, v)
		}
	}
	byKey := slices.Clone(vs)
	slices.SortStableFunc(byKey, func(a, b string) int { return strings.Compare(sortKey(b), sortKey(a)) })
	bySemver := slices.Clone(vs)
	slices.SortStableFunc(bySemver, func(a, b string) int {
		x, _ := semver.Parse(a)
		y, _ := semver.Parse(b)
		return y.Compare(x)
	})
	for i := range byKey {
		if byKey[i] != bySemver[i] {
			t.Fatalf("position %d: key order %q, semver order %q", i, byKey[i], bySemver[i])
		}
	}
	for _, v := range vs {
		if k := sortKey(v); !strings.HasSuffix(k, " "+v) || strings.ContainsAny(k, "\"\\\t\n") {
			t.Fatalf("%q: key %q", v, k)
		}
	}
}

// releasesBodyRef is renderReleases' body as it was written before the
// URL prefix was reused: every entry escaped whole.
func releasesBodyRef(base string, rs []release) []byte {
	b := []byte(`{"releases":{`)
	for i, r := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = sdk.AppendJSONString(b, r.version)
		b = append(b, `:{"url":`...)
		b = sdk.AppendJSONString(b, releaseURL(base, r.meta.ID, r.version))
		b = append(b, '}')
	}
	return append(b, "}}"...)
}

// TestRenderReleasesMatchesRef: the releases page is the reference's bytes
// for 500 generated pages (base URLs with escapes, HTML characters,
// unicode and invalid UTF-8; ids spelled differently from release to
// release; versions with and without characters JSON escapes).
func TestRenderReleasesMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	old := pageSize
	defer func() { pageSize = old }()
	pageSize = 1000
	for round := range 500 {
		base := pick("http://h/swift/r", "http://h/s<&>\"x", "http://h/é\u2028", "http://h/\xff\xfe", "")
		var rs []release
		for range 1 + rng.IntN(30) {
			v := pick("1.0.0", "2.0.0-beta.1+b7", "1.0.0-é", "1.0.0-<&>", "1.0.0-\"x", "0.0.1-a-b", "10.20.30")
			id := pick("mona.LinkedList", "Mona.linkedlist", "MONA.LINKED-LIST_X", "a.b", "x")
			rs = append(rs, release{version: v, meta: releaseMeta{ID: id}, decoded: true})
		}
		req := &sdk.Request{Repo: &sdk.RepoContext{BaseURL: base}}
		r, err := renderReleases(req, identity{"mona", "LinkedList"}, rs)
		if err != nil {
			t.Fatal(err)
		}
		if want := releasesBodyRef(base, rs); !bytes.Equal(r.Bytes, want) {
			t.Fatalf("round %d:\n got %s\nwant %s", round, r.Bytes, want)
		}
	}
}
