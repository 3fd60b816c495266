package chef

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const testBase = "http://k/chef/c?a=1&b=<2>"

// Kinds of tarball metadata a test stores.
const (
	withMembers = iota // as publish writes it now
	noMetadata         // a tarball stored before contract 0.6.0's members
	entryOnly          // a tarball stored under 0.6.0: the entry, no sort key
)

// storeCookbooks stores ms as publish does, each tarball's metadata of the
// kind kinds(i) gives.
func storeCookbooks(t *testing.T, ms []versionMeta, kinds func(int) int) *fakehost.Host {
	t.Helper()
	h := fakehost.New(&sdk.RepoContext{Key: "c", Kind: "local", Format: "chef", BaseURL: testBase})
	for i, m := range ms {
		meta, _ := json.Marshal(m)
		h.Versions[m.Name+"\x00"+m.Version] = sdk.VersionInfo{Package: m.Name, Version: m.Version, Metadata: meta}
		p := tarballPath(m.Name, m.Version)
		f := sdk.File{Path: p, Package: m.Name, Version: m.Version}
		if k := kinds(i); k != noMetadata {
			fm, err := tarballMetadata(meta)
			if err != nil {
				t.Fatal(err)
			}
			if k == entryOnly {
				var all map[string]string
				_ = json.Unmarshal(fm, &all)
				fm, _ = json.Marshal(map[string]string{memberEntry: all[memberEntry]})
			}
			f.Metadata = fm
		}
		h.Files[p] = f
	}
	return h
}

// checkUniverse stores ms as publish does on hosts with the tarballs'
// members and without (tarballs stored before them, all or some), and
// requires the assembled universe to be the render's bytes, and the
// others to be left to the render.
func checkUniverse(t *testing.T, ms []versionMeta) {
	t.Helper()
	fast := api{h: storeCookbooks(t, ms, func(int) int { return withMembers }), base: testBase}
	old := api{h: storeCookbooks(t, ms, func(int) int { return noMetadata }), base: testBase}
	want, err := old.universe()
	if err != nil {
		t.Fatal(err)
	}
	if r, err := old.assembledUniverse(); r != nil || err != nil {
		t.Fatalf("tarballs without members were assembled: %v", err)
	}
	for _, kinds := range []func(int) int{func(int) int { return entryOnly }, func(i int) int { return i % 2 * entryOnly },
		func(i int) int { return min(i, 1) }} {
		if len(ms) < 2 {
			break
		}
		mixed := api{h: storeCookbooks(t, ms, kinds), base: testBase}
		if r, err := mixed.assembledUniverse(); r != nil || err != nil {
			t.Fatalf("tarballs without sort keys were assembled: %v", err)
		}
		if got, err := mixed.universe(); err != nil || !bytes.Equal(got.Bytes, want.Bytes) {
			t.Fatalf("render of tarballs without sort keys (%v)\n%s\nwant\n%s", err, got.Bytes, want.Bytes)
		}
	}
	got, err := fast.assembledUniverse()
	if len(ms) == 0 && got == nil && err == nil {
		return // no tarball: the render answers
	}
	if err != nil || got == nil {
		t.Fatalf("not assembled (%v)", err)
	}
	if !bytes.Equal(got.Bytes, want.Bytes) || fmt.Sprint(got.Headers) != fmt.Sprint(want.Headers) || got.CacheTTLMs != want.CacheTTLMs {
		t.Fatalf("assembled\n%s\nrendered\n%s", got.Bytes, want.Bytes)
	}
}

func cookbook(name, version string, deps map[string]string) versionMeta {
	return versionMeta{Name: name, Version: version, Description: "d", Dependencies: deps, SHA256: "s", Size: 1}
}

// TestAssembledUniverseMatchesRender: the universe from the tarballs'
// members is byte-identical to the render for no cookbook, one, names and
// versions whose path order is not their byte order, no, empty and many
// dependencies with JSON and HTML specials, and a base URL to escape.
func TestAssembledUniverseMatchesRender(t *testing.T) {
	checkUniverse(t, nil)
	checkUniverse(t, []versionMeta{cookbook("a", "1.0.0", nil)})
	checkUniverse(t, []versionMeta{cookbook("a", "1.0", nil), cookbook("a", "1.0.1", map[string]string{}),
		cookbook("a", "1.10.0", map[string]string{"b": ">= 1.0", "<x>": `~> "2" & é`}), cookbook("a", "1.2", nil),
		cookbook("a-b", "0.1.0", map[string]string{"a": "= 1.0"}), cookbook("a_b", "10.0", nil), cookbook("ab", "2.0.0", nil),
		cookbook("A", "1.0", nil), cookbook("a", "10.0.0", nil)})
}

// TestAssembledUniverseGenerated compares 200 generated repositories,
// most of a few tarballs, every 50th of up to 1,300 (over two host
// listing pages).
func TestAssembledUniverseGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "<", ">", "&", `"`, "é", " ", "=", "~", "\u2028", "\\"}
	word := func() string {
		s := ""
		for n := rng.IntN(4); n > 0; n-- {
			s += pieces[rng.IntN(len(pieces))]
		}
		return s
	}
	for round := 0; round < 200; round++ {
		var ms []versionMeta
		seen := map[string]bool{}
		n := rng.IntN(20)
		if round%50 == 0 {
			n = 1300
		}
		for ; n > 0; n-- {
			v := genVersion(rng)
			name := genName(rng)
			if seen[name+"/"+v] {
				continue
			}
			seen[name+"/"+v] = true
			var deps map[string]string
			if rng.IntN(3) > 0 {
				deps = map[string]string{}
				for k := rng.IntN(4); k > 0; k-- {
					deps[word()] = word()
				}
			}
			ms = append(ms, cookbook(name, v, deps))
		}
		checkUniverse(t, ms)
	}
}

var nameBytes = "aAbzZ09_-"

// genName is a cookbook name, often a prefix of another or differing from
// one only in bytes around '/' and ' '.
func genName(rng *rand.Rand) string {
	names := []string{"a", "a-b", "a_b", "ab", "b", "apache2", "a-", "A", "a0", "a9", "Z"}
	if rng.IntN(2) == 0 {
		return names[rng.IntN(len(names))]
	}
	b := make([]byte, 1+rng.IntN(4))
	for i := range b {
		b[i] = nameBytes[rng.IntN(len(nameBytes))]
	}
	return string(b)
}

// genVersion is a Chef version of two or three parts.
func genVersion(rng *rand.Rand) string {
	part := func() int {
		if rng.IntN(4) == 0 {
			return rng.IntN(1000)
		}
		return rng.IntN(12)
	}
	v := fmt.Sprintf("%d.%d", part(), part())
	if rng.IntN(2) == 0 {
		v += fmt.Sprintf(".%d", part())
	}
	return v
}

// TestSortKeyOrder: over 5,000 generated name/version pairs, the sort
// keys' byte order is the universe's order (json.Marshal's order of the
// name keys, then of each name's version keys).
func TestSortKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	type pair struct{ name, version string }
	var ps []pair
	for i := 0; i < 5000; i++ {
		p := pair{genName(rng), genVersion(rng)}
		if !validName(p.name) || !validVersion(p.version) {
			t.Fatalf("generated %q %q", p.name, p.version)
		}
		ps = append(ps, p)
	}
	byKey := slices.Clone(ps)
	slices.SortStableFunc(byKey, func(x, y pair) int { return strings.Compare(sortKey(x.name, x.version), sortKey(y.name, y.version)) })
	// The universe's order, as json.Marshal writes a map of maps.
	doc := map[string]map[string]int{}
	for _, p := range ps {
		if doc[p.name] == nil {
			doc[p.name] = map[string]int{}
		}
		doc[p.name][p.version] = 0
	}
	b, _ := json.Marshal(doc)
	var want []pair // the pairs in the order of the document's keys
	dec := json.NewDecoder(bytes.NewReader(b))
	depth, name := 0, ""
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' {
				depth++
			} else {
				depth--
			}
		case string:
			if depth == 1 {
				name = v
			} else {
				want = append(want, pair{name, v})
			}
		}
	}
	got := slices.CompactFunc(byKey, func(x, y pair) bool { return x == y })
	if len(want) < 1000 || !slices.Equal(got, want) {
		t.Fatalf("%d keys in key order, %d in the universe's order:\n%v\n%v", len(got), len(want), got[:20], want[:min(20, len(want))])
	}
}
