package maven

import (
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestSortVersionsMatchesReference: sortVersions (one shared token array,
// qualifier ranks computed once) orders random versions exactly as the
// previous implementation (refSortVersions below, kept verbatim as the
// oracle) did, versions of numbers only (packed keys) and mixed ones, and compareVersions agrees in sign on every pair.
func TestSortVersionsMatchesReference(t *testing.T) {
	pieces := []string{"0", "1", "2", "9", "10", "01", "007", "123", ".", ".", "-", "_", "a", "b", "m", "alpha", "Beta",
		"milestone", "rc", "CR", "SNAPSHOT", "snapshot", "ga", "final", "release", "sp", "foo", "x", "RC", "jre", "Final"}
	// Numbers only (the packed keys of sortVersions), around 65,535.
	numeric := []string{"0", "1", "2", "9", "10", "01", "007", "123", "65535", "65536", "099999", "4294967296", ".", ".", ".", "-", "_"}
	rng := rand.New(rand.NewPCG(7, 9))
	for round := 0; round < 600; round++ {
		from := pieces
		if round%2 == 1 {
			from = numeric
		}
		vs := make([]string, 1+rng.IntN(60))
		for i := range vs {
			var b strings.Builder
			for n := 1 + rng.IntN(1+round%9); n > 0; n-- {
				b.WriteString(from[rng.IntN(len(from))])
			}
			vs[i] = b.String()
		}
		got, want := slices.Clone(vs), slices.Clone(vs)
		sortVersions(got)
		refSortVersions(want)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: sorted\n%q\nwant\n%q", round, got, want)
		}
		for _, a := range vs[:min(len(vs), 10)] {
			for _, b := range vs[:min(len(vs), 10)] {
				if g, w := compareVersions(a, b), refCompareVersions(a, b); (g < 0) != (w < 0) || (g > 0) != (w > 0) {
					t.Fatalf("compare(%q, %q) = %d, reference %d", a, b, g, w)
				}
			}
		}
	}
}

// The previous version order, verbatim (renamed), as the oracle.

type refToken struct {
	num   string // digits without leading zeros ("" = 0) when isNum
	qual  string
	isNum bool
}

var refQualifierRank = map[string]int{"alpha": 0, "beta": 1, "milestone": 2, "rc": 3, "snapshot": 4, "": 5, "sp": 6}

var refQualifierAlias = map[string]string{"a": "alpha", "b": "beta", "m": "milestone", "cr": "rc",
	"ga": "", "final": "", "release": ""}

func refTokenize(v string) []refToken {
	v = strings.ToLower(v)
	out := make([]refToken, 0, 6)
	start := 0
	flush := func(end int) {
		s := v[start:end]
		if s == "" {
			return
		}
		if s[0] >= '0' && s[0] <= '9' {
			out = append(out, refToken{num: strings.TrimLeft(s, "0"), isNum: true})
			return
		}
		if a, ok := refQualifierAlias[s]; ok {
			s = a
		}
		out = append(out, refToken{qual: s})
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '.' || c == '-' || c == '_' {
			flush(i)
			start = i + 1
			continue
		}
		if i > start {
			prevDigit := v[i-1] >= '0' && v[i-1] <= '9'
			if isDigit := c >= '0' && c <= '9'; isDigit != prevDigit {
				flush(i)
				start = i
			}
		}
	}
	flush(len(v))
	// Trailing zeros and release qualifiers are insignificant: 1.0 == 1 == 1-ga.
	for len(out) > 0 {
		t := out[len(out)-1]
		if (t.isNum && t.num == "") || (!t.isNum && t.qual == "") {
			out = out[:len(out)-1]
			continue
		}
		break
	}
	return out
}

func refCompareQual(a, b string) int {
	ra, oka := refQualifierRank[a]
	rb, okb := refQualifierRank[b]
	switch {
	case oka && okb:
		return ra - rb
	case oka:
		return -1
	case okb:
		return 1
	}
	return strings.Compare(a, b)
}

func refCompareToken(a, b *refToken) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -refCompareToken(b, nil)
	case b == nil:
		if a.isNum {
			if a.num == "" {
				return 0
			}
			return 1
		}
		return refCompareQual(a.qual, "")
	case a.isNum && b.isNum:
		if len(a.num) != len(b.num) {
			return len(a.num) - len(b.num)
		}
		return strings.Compare(a.num, b.num)
	case a.isNum:
		return 1
	case b.isNum:
		return -1
	}
	return refCompareQual(a.qual, b.qual)
}

// refCompareVersions orders two Maven versions (<0, 0, >0).
func refCompareVersions(a, b string) int {
	return refCompareTokens(refTokenize(a), refTokenize(b), a, b)
}

// refSortVersions sorts vs ascending in Maven order, tokenizing each once.
func refSortVersions(vs []string) {
	type keyed struct {
		v string
		t []refToken
	}
	ks := make([]keyed, len(vs))
	for i, v := range vs {
		ks[i] = keyed{v, refTokenize(v)}
	}
	sort.Slice(ks, func(i, j int) bool { return refCompareTokens(ks[i].t, ks[j].t, ks[i].v, ks[j].v) < 0 })
	for i := range ks {
		vs[i] = ks[i].v
	}
}

func refCompareTokens(ta, tb []refToken, a, b string) int {
	for i := 0; i < len(ta) || i < len(tb); i++ {
		var x, y *refToken
		if i < len(ta) {
			x = &ta[i]
		}
		if i < len(tb) {
			y = &tb[i]
		}
		if c := refCompareToken(x, y); c != 0 {
			return c
		}
	}
	return strings.Compare(a, b) // equal order, stable output
}
