package jsonscan

import (
	"unicode/utf16"
	"unicode/utf8"
)

// Scanner reads a subset of JSON (RFC 8259): white space, single bytes,
// strings with the escapes encoding/json writes for text, and the literals
// true and false. Every method returns false at anything outside that
// subset, and the caller then decodes the document with encoding/json, so
// the result never differs from json.Unmarshal's.
type Scanner struct {
	b []byte
	i int
}

// New returns a Scanner at the start of b.
func New(b []byte) Scanner { return Scanner{b: b} }

// WS skips white space.
func (s *Scanner) WS() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// Next skips white space and consumes c.
func (s *Scanner) Next(c byte) bool {
	s.WS()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// End skips white space and reports whether nothing is left.
func (s *Scanner) End() bool {
	s.WS()
	return s.i == len(s.b)
}

// Bool reads the literal true or false.
func (s *Scanner) Bool() (v, ok bool) {
	s.WS()
	rest := s.b[s.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		s.i += 4
		return true, true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		s.i += 5
		return false, true
	}
	return false, false
}

// Str reads a string whose other bytes than escapes are valid UTF-8, and
// decodes its escapes as encoding/json does (a \uXXXX surrogate without
// its pair as U+FFFD).
func (s *Scanner) Str() (string, bool) {
	if !s.Next('"') {
		return "", false
	}
	start, plain := s.i, true
	var out []byte
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			if plain {
				out = s.b[start:s.i]
			}
			s.i++
			if !utf8.Valid(out) {
				return "", false
			}
			return string(out), true
		case c < 0x20:
			return "", false
		case c == '\\':
			if plain {
				out, plain = append(out, s.b[start:s.i]...), false
			}
			if s.i+1 >= len(s.b) {
				return "", false
			}
			e := s.b[s.i+1]
			s.i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'u':
				r, ok := s.u4()
				if !ok {
					return "", false
				}
				if utf16.IsSurrogate(r) {
					// Paired with a following \uXXXX, or U+FFFD and the
					// next escape read on its own (as encoding/json does).
					at, d := s.i, utf8.RuneError
					if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
						s.i += 2
						if r2, ok := s.u4(); ok {
							d = utf16.DecodeRune(r, r2)
						}
					}
					if d == utf8.RuneError {
						s.i = at
					}
					r = d
				}
				out = utf8.AppendRune(out, r)
			default:
				return "", false
			}
		default:
			if !plain {
				out = append(out, c)
			}
			s.i++
		}
	}
	return "", false
}

// Name reads a string without escapes or control characters and returns
// its bytes (a slice of the document, not checked for UTF-8), for
// comparing a member's name with the names a caller knows without
// allocating: a name spelled with escapes is refused like anything
// outside the subset.
func (s *Scanner) Name() ([]byte, bool) {
	if !s.Next('"') {
		return nil, false
	}
	for start := s.i; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c < 0x20 || c == '\\':
			return nil, false
		}
	}
	return nil, false
}

// Object reads an object whose members member reads. member is called
// after each name and its colon, reads the value, and returns the
// member's index (0 to 63) and whether it read it; an unknown name (ok
// false), a failed read or an index seen before fails the object.
func (s *Scanner) Object(member func(name []byte) (i int, ok bool)) bool {
	if !s.Next('{') {
		return false
	}
	if s.Next('}') {
		return true
	}
	var seen uint64
	for {
		k, ok := s.Name()
		if !ok || !s.Next(':') {
			return false
		}
		i, ok := member(k)
		if !ok || i < 0 || i > 63 || seen&(1<<i) != 0 {
			return false
		}
		seen |= 1 << i
		if s.Next('}') {
			return true
		}
		if !s.Next(',') {
			return false
		}
	}
}

// StringMember reads b when it is exactly an object with the one member
// key (unescaped) whose value is a string Str reads, e.g. {"entry":"…"},
// and returns that value.
func StringMember(b []byte, key string) (string, bool) {
	s := New(b)
	if !s.Next('{') {
		return "", false
	}
	if k, ok := s.Name(); !ok || string(k) != key || !s.Next(':') {
		return "", false
	}
	v, ok := s.Str()
	if !ok || !s.Next('}') || !s.End() {
		return "", false
	}
	return v, true
}

// u4 reads the four hex digits of a \u escape.
func (s *Scanner) u4() (rune, bool) {
	if s.i+4 > len(s.b) {
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
		d := unhex(c)
		if d < 0 {
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	s.i += 4
	return r, true
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
