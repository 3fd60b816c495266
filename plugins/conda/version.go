package conda

import (
	"strconv"
	"strings"
)

// compareVersions orders conda versions the way conda's VersionOrder does
// for the common cases: an optional epoch ("1!"), then components split on
// '.', '_' and '-', each split into numbers and letters; numbers compare
// numerically, "dev" sorts before any other string, other strings before
// numbers, "post" after everything; a missing component is 0.
// https://docs.conda.io/projects/conda/en/latest/user-guide/concepts/pkg-specs.html#version-ordering
// Local versions ("+local") are compared as further components.
func compareVersions(a, b string) int {
	ea, ra := epoch(a)
	eb, rb := epoch(b)
	if ea != eb {
		if ea < eb {
			return -1
		}
		return 1
	}
	pa, pb := parts(ra), parts(rb)
	for i := 0; i < max(len(pa), len(pb)); i++ {
		x, y := "0", "0"
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if c := comparePart(x, y); c != 0 {
			return c
		}
	}
	return 0
}

func epoch(v string) (int, string) {
	if e, rest, ok := strings.Cut(v, "!"); ok {
		n, _ := strconv.Atoi(e)
		return n, rest
	}
	return 0, v
}

// parts splits a version into alternating runs of digits and letters.
func parts(v string) []string {
	var out []string
	v = strings.ToLower(v)
	start := -1
	digit := false
	for i := 0; i <= len(v); i++ {
		var c byte
		if i < len(v) {
			c = v[i]
		}
		isSep := i == len(v) || c == '.' || c == '_' || c == '-' || c == '+'
		isDigit := c >= '0' && c <= '9'
		if start >= 0 && (isSep || isDigit != digit) {
			out = append(out, v[start:i])
			start = -1
		}
		if !isSep && start < 0 {
			start, digit = i, isDigit
		}
	}
	return out
}

// rank orders kinds of parts: dev < strings < numbers < post.
func rank(p string) int {
	switch {
	case p == "dev":
		return 0
	case p == "post":
		return 3
	case p[0] >= '0' && p[0] <= '9':
		return 2
	}
	return 1
}

func comparePart(x, y string) int {
	rx, ry := rank(x), rank(y)
	if rx != ry {
		if rx < ry {
			return -1
		}
		return 1
	}
	if rx == 2 {
		x, y = strings.TrimLeft(x, "0"), strings.TrimLeft(y, "0")
		if len(x) != len(y) {
			if len(x) < len(y) {
				return -1
			}
			return 1
		}
	}
	return strings.Compare(x, y)
}
