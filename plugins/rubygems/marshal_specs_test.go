package rubygems

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// specsReference is the spec index built as Values and encoded by the
// general Marshal encoder (which TestMarshalLoadsInRuby checks in Ruby).
func specsReference(rs []record) []byte {
	arr := Arr{}
	for _, r := range rs {
		arr = append(arr, Arr{Str(r.Name), gemVersion(r.Version), Str(r.Platform)})
	}
	return Marshal(arr)
}

// TestMarshalSpecsMatchesMarshal: marshalSpecs gives the general
// encoder's bytes over generated rows: none, one, many (counts across
// Marshal's long-length boundaries), prereleases, platforms, unicode and
// long names.
func TestMarshalSpecsMatchesMarshal(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	names := []string{"a", "rails", "gen-é", "日本語", "x_y-z.w", strings.Repeat("long", 40), strings.Repeat("n", 300)}
	plats := []string{"ruby", "java", "x86_64-linux", "arm64-darwin", "universal-darwin-23"}
	pre := []string{"", "", ".pre", ".rc1", ".beta.2"}
	for _, n := range []int{0, 1, 2, 121, 122, 123, 255, 256, 257, 1000, 70000} {
		rs := make([]record, n)
		for i := range rs {
			rs[i] = record{Name: names[rng.IntN(len(names))],
				Version:  fmt.Sprintf("%d.%d%s", rng.IntN(300), rng.IntN(11), pre[rng.IntN(len(pre))]),
				Platform: plats[rng.IntN(len(plats))]}
		}
		if g, w := marshalSpecs(rs), specsReference(rs); !bytes.Equal(g, w) {
			t.Fatalf("%d rows: marshalSpecs differs from Marshal (%d vs %d bytes)", n, len(g), len(w))
		}
	}
}
