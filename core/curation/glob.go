package curation

import "strings"

// Match reports whether a pattern "name" or "name@version" matches a
// package: `*` matches any run of characters (slashes too, for scoped
// names), `?` one character, case-insensitively; a pattern without a
// version matches every version. A leading "@" is part of the name
// (npm's scopes).
func Match(pattern, name, version string) bool {
	pn, pv := SplitPattern(pattern)
	if !glob(strings.ToLower(pn), strings.ToLower(name)) {
		return false
	}
	return pv == "" || glob(strings.ToLower(pv), strings.ToLower(version))
}

// SplitPattern splits "name@version" at its last "@" after the first
// character.
func SplitPattern(p string) (string, string) {
	if i := strings.LastIndexByte(p, '@'); i > 0 {
		return p[:i], p[i+1:]
	}
	return p, ""
}

// glob matches s against p (`*`, `?`) with the classic backtracking over
// the last star: linear in practice, no recursion.
func glob(p, s string) bool {
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi, mark = star+1, mark+1
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
