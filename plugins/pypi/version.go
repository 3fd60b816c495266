package pypi

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Version is a parsed PEP 440 version, comparable with Compare.
// https://peps.python.org/pep-0440/
type Version struct {
	Epoch   int64
	Release []int64
	// Pre is the pre-release kind (0 a, 1 b, 2 rc) and number; PreKind < 0 when absent.
	PreKind int
	PreNum  int64
	Post    int64 // -1 when absent
	Dev     int64 // -1 when absent
	Local   []string
}

var errVersion = errors.New("not a PEP 440 version")

// ParseVersion parses s by the PEP 440 grammar, accepting the spellings of
// its "Normalization" section (case, "v" prefix, separators, alpha/beta/c…).
func ParseVersion(s string) (Version, error) {
	v := Version{PreKind: -1, Post: -1, Dev: -1}
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 200 {
		return v, errVersion
	}
	s = strings.TrimPrefix(s, "v")
	if i := strings.IndexByte(s, '+'); i >= 0 {
		local := s[i+1:]
		s = s[:i]
		if local == "" {
			return v, errVersion
		}
		for _, seg := range strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '-' || r == '_' }) {
			for _, c := range seg {
				if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
					return v, errVersion
				}
			}
			v.Local = append(v.Local, seg)
		}
		if len(v.Local) == 0 {
			return v, errVersion
		}
	}
	if i := strings.IndexByte(s, '!'); i >= 0 {
		e, ok := num(s[:i])
		if !ok {
			return v, errVersion
		}
		v.Epoch, s = e, s[i+1:]
	}
	// release
	for {
		n := digits(s)
		if n == 0 {
			return v, errVersion
		}
		x, ok := num(s[:n])
		if !ok {
			return v, errVersion
		}
		v.Release = append(v.Release, x)
		s = s[n:]
		if len(s) > 1 && s[0] == '.' && digits(s[1:]) > 0 {
			s = s[1:]
			continue
		}
		break
	}
	// pre-release
	if rest, kind, ok := word(s, []string{"alpha", "beta", "preview", "pre", "rc", "a", "b", "c"}); ok {
		v.PreKind = map[string]int{"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}[kind]
		v.PreNum, s = optNum(rest)
	}
	// post-release
	if len(s) > 1 && s[0] == '-' && digits(s[1:]) > 0 {
		n := digits(s[1:])
		v.Post, _ = num(s[1 : 1+n])
		s = s[1+n:]
	} else if rest, _, ok := word(s, []string{"post", "rev", "r"}); ok {
		v.Post, s = optNum(rest)
	}
	// dev-release
	if rest, _, ok := word(s, []string{"dev"}); ok {
		v.Dev, s = optNum(rest)
	}
	if s != "" || v.PreNum < 0 || v.Post < -1 || v.Dev < -1 {
		return v, errVersion
	}
	return v, nil
}

// word consumes an optional separator and one of words (longest first).
func word(s string, words []string) (string, string, bool) {
	t := s
	if t != "" && (t[0] == '.' || t[0] == '-' || t[0] == '_') {
		t = t[1:]
	}
	for _, w := range words {
		if strings.HasPrefix(t, w) {
			return t[len(w):], w, true
		}
	}
	return s, "", false
}

// optNum consumes an optional separator and number (implicit 0); -2 on overflow.
func optNum(s string) (int64, string) {
	t := s
	if t != "" && (t[0] == '.' || t[0] == '-' || t[0] == '_') {
		t = t[1:]
	}
	n := digits(t)
	if n == 0 {
		return 0, s
	}
	x, ok := num(t[:n])
	if !ok {
		return -2, t[n:]
	}
	return x, t[n:]
}

func digits(s string) int {
	n := 0
	for n < len(s) && '0' <= s[n] && s[n] <= '9' {
		n++
	}
	return n
}

func num(s string) (int64, bool) {
	x, err := strconv.ParseInt(s, 10, 64)
	return x, err == nil && x >= 0
}

// Compare orders versions as PEP 440 does (-1, 0, 1).
func (a Version) Compare(b Version) int {
	if c := cmp64(a.Epoch, b.Epoch); c != 0 {
		return c
	}
	ra, rb := trimZeros(a.Release), trimZeros(b.Release)
	for i := 0; i < len(ra) || i < len(rb); i++ {
		var x, y int64
		if i < len(ra) {
			x = ra[i]
		}
		if i < len(rb) {
			y = rb[i]
		}
		if c := cmp64(x, y); c != 0 {
			return c
		}
	}
	ka, kb := a.preKey(), b.preKey()
	for i := range ka {
		if c := cmp64(ka[i], kb[i]); c != 0 {
			return c
		}
	}
	return cmpLocal(a.Local, b.Local)
}

// preKey is (pre kind, pre number, post, dev) with PEP 440's sentinels:
// a dev-only release sorts before its pre-releases, a final after them.
func (a Version) preKey() [4]int64 {
	var k [4]int64
	switch {
	case a.PreKind < 0 && a.Post < 0 && a.Dev >= 0:
		k[0] = math.MinInt64
	case a.PreKind < 0:
		k[0] = math.MaxInt64
	default:
		k[0], k[1] = int64(a.PreKind), a.PreNum
	}
	k[2] = a.Post // -1 when absent sorts first
	k[3] = a.Dev
	if a.Dev < 0 {
		k[3] = math.MaxInt64
	}
	return k
}

// IsPrerelease reports a pre- or dev-release (pip skips those unless pinned).
func (a Version) IsPrerelease() bool { return a.PreKind >= 0 || a.Dev >= 0 }

func trimZeros(r []int64) []int64 {
	for len(r) > 0 && r[len(r)-1] == 0 {
		r = r[:len(r)-1]
	}
	return r
}

func cmp64(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func cmpLocal(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, xe := strconv.ParseInt(a[i], 10, 64)
		y, ye := strconv.ParseInt(b[i], 10, 64)
		switch {
		case xe == nil && ye == nil:
			if c := cmp64(x, y); c != 0 {
				return c
			}
		case xe == nil: // numeric segments sort after alphanumeric ones
			return 1
		case ye == nil:
			return -1
		default:
			if c := strings.Compare(a[i], b[i]); c != 0 {
				return c
			}
		}
	}
	return cmp64(int64(len(a)), int64(len(b)))
}

// compareVersionStrings orders two version strings; unparsable ones sort
// first, by byte order among themselves.
func compareVersionStrings(a, b string) int {
	va, ea := ParseVersion(a)
	vb, eb := ParseVersion(b)
	switch {
	case ea == nil && eb == nil:
		if c := va.Compare(vb); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	case ea == nil:
		return 1
	case eb == nil:
		return -1
	}
	return strings.Compare(a, b)
}
