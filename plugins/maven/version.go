package maven

import (
	"sort"
	"strings"
)

// Version ordering after Maven's ComparableVersion
// (https://maven.apache.org/pom.html#version-order-specification): versions
// split into numeric and qualifier tokens at '.', '-' and digit/letter
// transitions; numbers compare numerically; qualifiers order
// alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp,
// unknown qualifiers after sp in lexical order; missing tokens count as 0 / "".
// Nested list semantics of '-' are simplified to a flat token list.

type vtoken struct {
	num   string // digits without leading zeros ("" = 0) when isNum
	qual  string
	isNum bool
}

var qualifierRank = map[string]int{"alpha": 0, "beta": 1, "milestone": 2, "rc": 3, "snapshot": 4, "": 5, "sp": 6}

var qualifierAlias = map[string]string{"a": "alpha", "b": "beta", "m": "milestone", "cr": "rc",
	"ga": "", "final": "", "release": ""}

func tokenize(v string) []vtoken {
	v = strings.ToLower(v)
	out := make([]vtoken, 0, 6)
	start := 0
	flush := func(end int) {
		s := v[start:end]
		if s == "" {
			return
		}
		if s[0] >= '0' && s[0] <= '9' {
			out = append(out, vtoken{num: strings.TrimLeft(s, "0"), isNum: true})
			return
		}
		if a, ok := qualifierAlias[s]; ok {
			s = a
		}
		out = append(out, vtoken{qual: s})
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

func compareQual(a, b string) int {
	ra, oka := qualifierRank[a]
	rb, okb := qualifierRank[b]
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

func compareToken(a, b *vtoken) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -compareToken(b, nil)
	case b == nil:
		if a.isNum {
			if a.num == "" {
				return 0
			}
			return 1
		}
		return compareQual(a.qual, "")
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
	return compareQual(a.qual, b.qual)
}

// compareVersions orders two Maven versions (<0, 0, >0).
func compareVersions(a, b string) int { return compareTokens(tokenize(a), tokenize(b), a, b) }

// sortVersions sorts vs ascending in Maven order, tokenizing each once.
func sortVersions(vs []string) {
	type keyed struct {
		v string
		t []vtoken
	}
	ks := make([]keyed, len(vs))
	for i, v := range vs {
		ks[i] = keyed{v, tokenize(v)}
	}
	sort.Slice(ks, func(i, j int) bool { return compareTokens(ks[i].t, ks[j].t, ks[i].v, ks[j].v) < 0 })
	for i := range ks {
		vs[i] = ks[i].v
	}
}

func compareTokens(ta, tb []vtoken, a, b string) int {
	for i := 0; i < len(ta) || i < len(tb); i++ {
		var x, y *vtoken
		if i < len(ta) {
			x = &ta[i]
		}
		if i < len(tb) {
			y = &tb[i]
		}
		if c := compareToken(x, y); c != 0 {
			return c
		}
	}
	return strings.Compare(a, b) // equal order, stable output
}
