package maven

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// versionPieces build generated versions: numbers (leading zeros, long),
// separators and every qualifier spelling compareQual knows; now and then
// one of refusedPieces (unknown qualifiers, sp, bytes versionKey refuses).
var (
	versionPieces = []string{"1", "0", "2", "10", "9", "007", "00", "123456789012345678901234", ".", ".", "-", "-", "_",
		"alpha", "a", "Beta", "b", "M", "milestone", "rc", "CR", "SNAPSHOT", "snapshot", "final", "GA", "release"}
	refusedPieces = []string{"sp", "jre", "x", "&", "<", "'", "é", "+", "~", strings.Repeat("7", 45)}
)

func genVersion(rng *rand.Rand) string {
	var b strings.Builder
	for n := 1 + rng.IntN(6); n > 0; n-- {
		p := versionPieces[rng.IntN(len(versionPieces))]
		if rng.IntN(30) == 0 {
			p = refusedPieces[rng.IntN(len(refusedPieces))]
		}
		// Mostly keep qualifiers apart (alphabeta is one unknown qualifier).
		if s := b.String(); s != "" && isLetter(s[len(s)-1]) && isLetter(p[0]) && rng.IntN(8) != 0 {
			b.WriteByte(".-_"[rng.IntN(3)])
		}
		b.WriteString(p)
	}
	return b.String()
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

// TestVersionKeyOrder: sorted by versionKey's bytes, versions keep the
// order sortVersions (the comparator the guest renders with) gives them,
// over the odd cases and thousands of generated versions; random pairs
// compare alike; versions whose qualifiers break compareToken's total
// order are refused.
func TestVersionKeyOrder(t *testing.T) {
	odd := []string{"1", "1.0", "1-0", "1.0.0", "1-ga", "1.final", "1.0.0.RELEASE", "1-alpha", "1-a", "1-a1",
		"1.0-alpha", "1.0.alpha.1", "1-rc", "1-cr", "1-RC1", "1-SNAPSHOT", "1.0-SNAPSHOT", "1.0.1", "1.0.0.1",
		"1.0-beta-2", "1.0-beta2", "2.0.0-M1", "2.0.0-m1", "0", "final", "0.0.1", "0.0.alpha", "1_2", "1..2",
		"1.-2", "1.0a1", "1.00.1", "1.01", "10", "9", "1.0.0-alpha.0.1", "1.0.0.0.0-snapshot"}
	rng := rand.New(rand.NewPCG(7, 11))
	vs := append([]string(nil), odd...)
	seen := map[string]bool{}
	for _, v := range odd {
		seen[v] = true
	}
	for len(vs) < 4000 {
		if v := genVersion(rng); !seen[v] {
			seen[v] = true
			vs = append(vs, v)
		}
	}
	var keyed []string
	keys := map[string]string{}
	for _, v := range vs {
		if k, ok := versionKey(v); ok {
			keyed = append(keyed, v)
			keys[v] = k
		}
	}
	for _, v := range odd {
		if _, ok := keys[v]; !ok {
			t.Errorf("%q has no key", v)
		}
	}
	if len(keyed) < 2000 {
		t.Fatalf("only %d of %d generated versions keyed", len(keyed), len(vs))
	}
	want := slices.Clone(keyed)
	sortVersions(want)
	got := slices.Clone(keyed)
	// The host compares the raw JSON string: the key between quotes.
	slices.SortFunc(got, func(a, b string) int { return strings.Compare(`"`+keys[a]+`"`, `"`+keys[b]+`"`) })
	if !slices.Equal(got, want) {
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("at %d: key order %q, sortVersions %q", i, got[i:min(i+5, len(got))], want[i:min(i+5, len(want))])
			}
		}
	}
	sign := func(c int) int { return min(max(c, -1), 1) }
	for i := 0; i < 100000; i++ {
		a, b := keyed[rng.IntN(len(keyed))], keyed[rng.IntN(len(keyed))]
		if sign(strings.Compare(`"`+keys[a]+`"`, `"`+keys[b]+`"`)) != sign(compareVersions(a, b)) {
			t.Fatalf("%q vs %q: keys %q %q compare %d, compareVersions %d", a, b, keys[a], keys[b],
				strings.Compare(keys[a], keys[b]), compareVersions(a, b))
		}
	}
	// The comparator is not a total order once a qualifier sorts above the
	// end of a version: 1.0-alpha > 1-sp > 1 > 1.0-alpha.
	if compareVersions("1.0-alpha", "1-sp") <= 0 || compareVersions("1-sp", "1") <= 0 || compareVersions("1", "1.0-alpha") <= 0 {
		t.Fatal("the cycle the refusals guard against is gone: revisit versionKey")
	}
	for _, v := range []string{"1-sp", "31.1-jre", "1.final.1", "1.ga-1", "1&2", "1<2", "1'2", "1\"2", "1 2", "é", "",
		"1." + strings.Repeat("9", maxKeyedNumber+1)} {
		if k, ok := versionKey(v); ok {
			t.Errorf("%q got key %q", v, k)
		}
	}
}
