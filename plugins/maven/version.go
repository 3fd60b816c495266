package maven

import (
	"math/bits"
	"slices"
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
	rank  int8 // qualifier rank (qualRank) when !isNum
	isNum bool
}

// Qualifier ranks: alpha < beta < milestone < rc = cr < snapshot < "" = ga =
// final = release < sp < unknown qualifiers (in lexical order).
const (
	rankRelease = 5
	rankUnknown = 7
)

// qualRank returns a qualifier's rank and its canonical spelling.
func qualRank(s string) (int8, string) {
	switch s {
	case "alpha", "a":
		return 0, "alpha"
	case "beta", "b":
		return 1, "beta"
	case "milestone", "m":
		return 2, "milestone"
	case "rc", "cr":
		return 3, "rc"
	case "snapshot":
		return 4, s
	case "", "ga", "final", "release":
		return rankRelease, ""
	case "sp":
		return 6, s
	}
	return rankUnknown, s
}

func tokenize(v string) []vtoken { return appendTokens(make([]vtoken, 0, 6), v) }

// appendTokens appends the tokens of v to out.
func appendTokens(out []vtoken, v string) []vtoken {
	v = strings.ToLower(v)
	first := len(out)
	start := 0
	for i := 0; i <= len(v); i++ {
		split, next := i == len(v), i
		if !split {
			c := v[i]
			if c == '.' || c == '-' || c == '_' {
				split, next = true, i+1
			} else if i > start && isDigit(c) != isDigit(v[i-1]) {
				split = true
			}
		}
		if !split {
			continue
		}
		if s := v[start:i]; s != "" {
			if isDigit(s[0]) {
				out = append(out, vtoken{num: strings.TrimLeft(s, "0"), isNum: true})
			} else {
				r, q := qualRank(s)
				out = append(out, vtoken{qual: q, rank: r})
			}
		}
		start = next
	}
	// Trailing zeros and release qualifiers are insignificant: 1.0 == 1 == 1-ga.
	for len(out) > first {
		t := out[len(out)-1]
		if (t.isNum && t.num == "") || (!t.isNum && t.qual == "") {
			out = out[:len(out)-1]
			continue
		}
		break
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func compareQual(a, b *vtoken) int {
	if a.rank != b.rank {
		return int(a.rank) - int(b.rank)
	}
	if a.rank == rankUnknown {
		return strings.Compare(a.qual, b.qual)
	}
	return 0
}

var releaseToken = vtoken{rank: rankRelease}

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
		return compareQual(a, &releaseToken)
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
	return compareQual(a, b)
}

// compareVersions orders two Maven versions (<0, 0, >0).
func compareVersions(a, b string) int { return compareTokens(tokenize(a), tokenize(b), a, b) }

// sortVersions sorts vs ascending in Maven order. When every version is
// numbers and separators only (1.2.3, 20240101) and they fit, each becomes
// one uint64 (its numbers in fixed-width fields, a missing number 0, then
// its index) and a sort of integers orders them: a plugin's guest pays
// dearly for tokens and comparison function calls. Otherwise each version
// is tokenized once into one shared token array and the tokens compared.
func sortVersions(vs []string) {
	if nums, ends, ok := numericVersions(vs); ok && sortPacked(vs, nums, ends) {
		return
	}
	type keyed struct {
		v string
		t []vtoken
	}
	ks := make([]keyed, len(vs))
	toks := make([]vtoken, 0, 4*len(vs))
	for i, v := range vs {
		n := len(toks)
		toks = appendTokens(toks, v)
		ks[i] = keyed{v, toks[n:len(toks):len(toks)]}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return compareTokens(a.t, b.t, a.v, b.v) })
	for i := range ks {
		vs[i] = ks[i].v
	}
}

// numericVersions reads the numbers of versions made of digits and
// separators ('.', '-', '_') only, as tokenize reads them (empty tokens
// skipped, leading zeros ignored): version i's numbers are
// nums[ends[i-1]:ends[i]]. ok is false when a version has another
// character or a number of more than 18 digits.
func numericVersions(vs []string) (nums []uint64, ends []int, ok bool) {
	nums, ends = make([]uint64, 0, 4*len(vs)), make([]int, len(vs))
	for i, v := range vs {
		n, digits := uint64(0), 0
		for j := 0; j <= len(v); j++ {
			if j < len(v) && isDigit(v[j]) {
				if digits == 18 {
					return nil, nil, false
				}
				n, digits = n*10+uint64(v[j]-'0'), digits+1
				continue
			}
			if j < len(v) && v[j] != '.' && v[j] != '-' && v[j] != '_' {
				return nil, nil, false
			}
			if digits > 0 {
				nums = append(nums, n)
				n, digits = 0, 0
			}
		}
		ends[i] = len(nums)
	}
	return nums, ends, true
}

// sortPacked sorts numeric versions (numericVersions) by one key each:
// their numbers in fields of one width, then the version's index, when
// that fits in 64 bits (ok false otherwise). Versions whose numbers are
// equal (1.0 and 1) keep compareTokens' order: by their strings.
func sortPacked(vs []string, nums []uint64, ends []int) bool {
	fields, width, start := 0, 0, 0
	for _, end := range ends {
		fields = max(fields, end-start)
		for _, n := range nums[start:end] {
			width = max(width, bits.Len64(n))
		}
		start = end
	}
	idx := bits.Len(uint(len(vs)))
	if fields*width+idx > 64 {
		return false
	}
	keys := make([]uint64, len(vs))
	start = 0
	for i, end := range ends {
		k := uint64(i)
		for f, n := range nums[start:end] {
			k |= n << (idx + width*(fields-1-f))
		}
		keys[i], start = k, end
	}
	slices.Sort(keys)
	mask := uint64(1)<<idx - 1
	sorted := make([]string, len(vs))
	for i, k := range keys {
		sorted[i] = vs[k&mask]
	}
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j]>>idx == keys[i]>>idx {
			j++
		}
		if j-i > 1 {
			slices.Sort(sorted[i:j])
		}
		i = j
	}
	copy(vs, sorted)
	return true
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
