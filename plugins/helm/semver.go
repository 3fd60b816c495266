package helm

import (
	"strconv"
	"strings"
)

// semver is a parsed Semantic Versioning 2.0.0 version (https://semver.org),
// the version syntax Helm requires of a chart (https://helm.sh/docs/topics/charts/#charts-and-versioning).
type semver struct {
	major, minor, patch uint64
	pre                 []string // dot-separated pre-release identifiers
	build               string   // build metadata (ignored for precedence)
}

// parseSemver parses a strict MAJOR.MINOR.PATCH[-PRE][+BUILD] version.
func parseSemver(s string) (semver, bool) {
	var v semver
	if s == "" || len(s) > MaxVersionLen {
		return v, false
	}
	rest := s
	if i := strings.IndexByte(rest, '+'); i >= 0 {
		v.build = rest[i+1:]
		rest = rest[:i]
		if !validIdents(v.build, false) {
			return v, false
		}
	}
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		pre := rest[i+1:]
		rest = rest[:i]
		if !validIdents(pre, true) {
			return v, false
		}
		v.pre = strings.Split(pre, ".")
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 3 {
		return v, false
	}
	nums := [3]uint64{}
	for i, p := range parts {
		n, ok := numericIdent(p)
		if !ok {
			return v, false
		}
		nums[i] = n
	}
	v.major, v.minor, v.patch = nums[0], nums[1], nums[2]
	return v, true
}

// numericIdent parses a number without leading zeros.
func numericIdent(p string) (uint64, bool) {
	if p == "" || (len(p) > 1 && p[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(p, 10, 64)
	return n, err == nil
}

// validIdents checks dot-separated identifiers of [0-9A-Za-z-]; numeric
// pre-release identifiers must not have leading zeros.
func validIdents(s string, pre bool) bool {
	if s == "" {
		return false
	}
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		digits := true
		for i := 0; i < len(id); i++ {
			c := id[i]
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
				digits = false
			default:
				return false
			}
		}
		if pre && digits && len(id) > 1 && id[0] == '0' {
			return false
		}
	}
	return true
}

// compare orders versions by semver precedence; build metadata breaks ties
// by byte order so the order is total.
func (a semver) compare(b semver) int {
	for _, d := range [3][2]uint64{{a.major, b.major}, {a.minor, b.minor}, {a.patch, b.patch}} {
		if d[0] != d[1] {
			if d[0] < d[1] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a.pre) == 0 && len(b.pre) > 0:
		return 1
	case len(a.pre) > 0 && len(b.pre) == 0:
		return -1
	}
	for i := 0; i < len(a.pre) && i < len(b.pre); i++ {
		if c := compareIdent(a.pre[i], b.pre[i]); c != 0 {
			return c
		}
	}
	if len(a.pre) != len(b.pre) {
		if len(a.pre) < len(b.pre) {
			return -1
		}
		return 1
	}
	return strings.Compare(a.build, b.build)
}

func compareIdent(x, y string) int {
	nx, xNum := numericIdent(x)
	ny, yNum := numericIdent(y)
	switch {
	case xNum && yNum:
		if nx == ny {
			return 0
		}
		if nx < ny {
			return -1
		}
		return 1
	case xNum:
		return -1
	case yNum:
		return 1
	}
	return strings.Compare(x, y)
}
