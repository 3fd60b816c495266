package gomod

import (
	"math/bits"
	"slices"

	"golang.org/x/mod/semver"
)

// sortSemver sorts valid semantic versions as semver.Sort does. When every
// one is a release (vMAJOR[.MINOR[.PATCH]], no pre-release or build) each
// becomes one uint64 (its three numbers in fixed-width fields, a missing
// one 0, then its index) and a sort of integers orders them: a plugin's
// guest pays dearly for semver.Compare's parsing on every comparison.
func sortSemver(vs []string) {
	nums := make([][3]uint64, len(vs))
	width := 0
	for i, v := range vs {
		n, ok := releaseNumbers(v)
		if !ok {
			semver.Sort(vs)
			return
		}
		nums[i] = n
		width = max(width, bits.Len64(n[0]), bits.Len64(n[1]), bits.Len64(n[2]))
	}
	idx := bits.Len(uint(len(vs)))
	if 3*width+idx > 64 {
		semver.Sort(vs)
		return
	}
	keys := make([]uint64, len(vs))
	for i, n := range nums {
		keys[i] = n[0]<<(idx+2*width) | n[1]<<(idx+width) | n[2]<<idx | uint64(i)
	}
	slices.Sort(keys)
	mask := uint64(1)<<idx - 1
	sorted := make([]string, len(vs))
	for i, k := range keys {
		sorted[i] = vs[k&mask]
	}
	for i := 0; i < len(keys); { // v1.2 and v1.2.0 compare equal: by string
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
}

// releaseNumbers reads vMAJOR[.MINOR[.PATCH]] (numbers of at most 18
// digits); ok is false for anything else.
func releaseNumbers(v string) (n [3]uint64, ok bool) {
	if len(v) < 2 || v[0] != 'v' {
		return n, false
	}
	f, digits := 0, 0
	for i := 1; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9' && digits < 18:
			n[f] = n[f]*10 + uint64(c-'0')
			digits++
		case c == '.' && digits > 0 && f < 2:
			f, digits = f+1, 0
		default:
			return n, false
		}
	}
	return n, digits > 0
}
