package chef

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const testBase = "http://k/chef/c?a=1&b=<2>"

// checkUniverse stores ms as publish does on two hosts, one with the
// tarballs' members and one without (tarballs stored before them), and
// requires the assembled universe to be the render's bytes.
func checkUniverse(t *testing.T, ms []versionMeta) {
	t.Helper()
	var hs [2]*fakehost.Host
	for i := range hs {
		hs[i] = fakehost.New(&sdk.RepoContext{Key: "c", Kind: "local", Format: "chef", BaseURL: testBase})
		for _, m := range ms {
			meta, _ := json.Marshal(m)
			hs[i].Versions[m.Name+"\x00"+m.Version] = sdk.VersionInfo{Package: m.Name, Version: m.Version, Metadata: meta}
			p := tarballPath(m.Name, m.Version)
			f := sdk.File{Path: p, Package: m.Name, Version: m.Version}
			if i == 0 {
				fm, err := tarballMetadata(meta)
				if err != nil {
					t.Fatal(err)
				}
				f.Metadata = fm
			}
			hs[i].Files[p] = f
		}
	}
	fast, old := api{h: hs[0], base: testBase}, api{h: hs[1], base: testBase}
	want, err := old.universe()
	if err != nil {
		t.Fatal(err)
	}
	if r, err := old.assembledUniverse(); r != nil || err != nil {
		t.Fatalf("tarballs without members were assembled: %v", err)
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

// TestAssembledUniverseGenerated compares 100 generated repositories.
func TestAssembledUniverseGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"a", "a-b", "a_b", "ab", "b", "apache2", "a-"}
	pieces := []string{"a", "<", ">", "&", `"`, "é", " ", "=", "~", "\u2028", "\\"}
	word := func() string {
		s := ""
		for n := rng.IntN(4); n > 0; n-- {
			s += pieces[rng.IntN(len(pieces))]
		}
		return s
	}
	for round := 0; round < 100; round++ {
		var ms []versionMeta
		seen := map[string]bool{}
		for n := rng.IntN(20); n > 0; n-- {
			v := fmt.Sprintf("%d.%d", rng.IntN(12), rng.IntN(12))
			if rng.IntN(2) == 0 {
				v += fmt.Sprintf(".%d", rng.IntN(12))
			}
			name := names[rng.IntN(len(names))]
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
