package swift

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

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
