package alpine

import (
	"encoding/json"
	"unicode/utf8"
)

// decodeFileMeta reads a file's stored metadata as json.Unmarshal into a
// FileMeta would: the shape upload writes ({"entry":"…"}, the escapes
// encoding/json writes for text) by hand, anything else through
// json.Unmarshal. APKINDEX reads every package's metadata, and
// encoding/json's reflection was a large part of its wasm cost.
func decodeFileMeta(b []byte, m *FileMeta) error {
	s := metaScanner{b: b}
	if s.next('{') {
		if k, ok := s.str(); ok && k == "entry" && s.next(':') {
			if v, ok := s.str(); ok && s.next('}') {
				if s.ws(); s.i == len(s.b) {
					m.Entry = v
					return nil
				}
			}
		}
	}
	*m = FileMeta{}
	return json.Unmarshal(b, m)
}

// metaScanner reads the subset of JSON decodeFileMeta takes by hand.
type metaScanner struct {
	b []byte
	i int
}

func (s *metaScanner) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// next skips white space and consumes c.
func (s *metaScanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string whose escapes are \" \\ \/ \n \r \t \b \f or
// \u00XX of an ASCII character, and whose other bytes are valid UTF-8.
func (s *metaScanner) str() (string, bool) {
	if !s.next('"') {
		return "", false
	}
	start, plain := s.i, true
	var out []byte
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw := s.b[start:s.i]
			s.i++
			if plain {
				out = raw
			}
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
				if s.i+4 > len(s.b) || s.b[s.i] != '0' || s.b[s.i+1] != '0' {
					return "", false
				}
				hi, lo := unhex(s.b[s.i+2]), unhex(s.b[s.i+3])
				if hi < 0 || lo < 0 || hi > 7 {
					return "", false
				}
				out = append(out, byte(hi<<4|lo))
				s.i += 4
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
