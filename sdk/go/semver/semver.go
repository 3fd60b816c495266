package semver

import (
	"strconv"
	"strings"
)

// MaxLen is the longest version Parse accepts; callers with a tighter
// format limit check it before parsing.
const MaxLen = 1024

// Version is a parsed SemVer 2.0.0 version (https://semver.org/#spec-item-2).
type Version struct {
	Major, Minor, Patch uint64
	// Pre holds the dot-separated pre-release identifiers (§9).
	Pre []string
	// Build is the build metadata after '+' (§10), ignored for precedence.
	Build string
}

// Parse parses a strict MAJOR.MINOR.PATCH[-PRE][+BUILD] version: no "v"
// prefix, no leading zeros in numeric identifiers, no empty identifiers.
func Parse(s string) (Version, bool) {
	var v Version
	if s == "" || len(s) > MaxLen {
		return v, false
	}
	rest := s
	if i := strings.IndexByte(rest, '+'); i >= 0 {
		v.Build = rest[i+1:]
		rest = rest[:i]
		if !validIdents(v.Build, false) {
			return v, false
		}
	}
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		pre := rest[i+1:]
		rest = rest[:i]
		if !validIdents(pre, true) {
			return v, false
		}
		v.Pre = strings.Split(pre, ".")
	}
	// Three dot-separated numbers, cut without allocating (strings.Split
	// allocated on every parse, which a merge of thousands of versions
	// paid in the wasm runtime).
	major, rest, ok1 := strings.Cut(rest, ".")
	minor, patch, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.IndexByte(patch, '.') >= 0 {
		return v, false
	}
	nums := [3]uint64{}
	for i, p := range [3]string{major, minor, patch} {
		n, ok := numericIdent(p)
		if !ok {
			return v, false
		}
		nums[i] = n
	}
	v.Major, v.Minor, v.Patch = nums[0], nums[1], nums[2]
	return v, true
}

// Valid reports whether s is a strict SemVer 2.0.0 version.
func Valid(s string) bool { _, ok := Parse(s); return ok }

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
// pre-release identifiers must not have leading zeros (§9, §10).
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

// Compare orders versions by SemVer precedence (§11) and returns -1, 0 or
// +1; versions of equal precedence are ordered by their build metadata
// (byte order) so the order is total and sorting is deterministic.
func (a Version) Compare(b Version) int {
	if c := a.Precedence(b); c != 0 {
		return c
	}
	return strings.Compare(a.Build, b.Build)
}

// Precedence compares by SemVer precedence only (§11): build metadata is
// ignored, so 1.0.0+a and 1.0.0+b compare equal.
func (a Version) Precedence(b Version) int {
	for _, d := range [3][2]uint64{{a.Major, b.Major}, {a.Minor, b.Minor}, {a.Patch, b.Patch}} {
		if d[0] != d[1] {
			if d[0] < d[1] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a.Pre) == 0 && len(b.Pre) > 0:
		return 1
	case len(a.Pre) > 0 && len(b.Pre) == 0:
		return -1
	}
	for i := 0; i < len(a.Pre) && i < len(b.Pre); i++ {
		if c := compareIdent(a.Pre[i], b.Pre[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(a.Pre) < len(b.Pre):
		return -1
	case len(a.Pre) > len(b.Pre):
		return 1
	}
	return 0
}

// compareIdent orders pre-release identifiers: numeric ones numerically and
// below alphanumeric ones, which compare in ASCII order (§11.4).
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

// String formats the version back into its canonical text.
func (v Version) String() string {
	s := strconv.FormatUint(v.Major, 10) + "." + strconv.FormatUint(v.Minor, 10) + "." + strconv.FormatUint(v.Patch, 10)
	if len(v.Pre) > 0 {
		s += "-" + strings.Join(v.Pre, ".")
	}
	if v.Build != "" {
		s += "+" + v.Build
	}
	return s
}

// WithoutBuild returns the version text without its build metadata:
// versions that differ only there have the same precedence (§10).
func WithoutBuild(v string) string {
	if i := strings.IndexByte(v, '+'); i >= 0 {
		return v[:i]
	}
	return v
}

// AppendKey appends v's sort key to b: keys compare byte by byte as
// Compare orders the versions (precedence, then build metadata), so a host
// can sort versions by bytes (contract 0.7.0's sorted loops). Each of
// major, minor, patch is a length byte ('A'+digits) and its digits; then
// '~' for a release, or '-' and the pre-release identifiers (numeric: '0',
// a length byte, the digits; otherwise '1', the text, '#'); then '$' and
// the build metadata. Every byte is printable ASCII above '"', so the key
// is a plain JSON string.
func (v Version) AppendKey(b []byte) []byte {
	for _, n := range [3]uint64{v.Major, v.Minor, v.Patch} {
		b = appendKeyNumber(b, n)
	}
	if len(v.Pre) == 0 {
		b = append(b, '~')
	} else {
		b = append(b, '-')
		for _, id := range v.Pre {
			if n, ok := numericIdent(id); ok {
				b = appendKeyNumber(append(b, '0'), n)
			} else {
				b = append(append(append(b, '1'), id...), '#')
			}
		}
	}
	return append(append(b, '$'), v.Build...)
}

func appendKeyNumber(b []byte, n uint64) []byte {
	d := strconv.AppendUint(nil, n, 10)
	return append(append(b, byte('A'+len(d))), d...)
}
