package cargo

import (
	"bytes"
	"encoding/json"
	"errors"
)

// The JSON line scanner as it was before its loops were rewritten for the
// wasm runtime (jsonline.go), kept as the oracle of
// TestLineKeysMatchesReference and FuzzLineKeysMatchesReference.

// refLineKeys reads the top-level "name" and "vers" of an index line, a JSON
// object, skipping every other value without decoding it: a merge reads
// every line of every member, and encoding/json costs several times more
// in the wasm runtime. The line must be one well-formed object.
func refLineKeys(line []byte) (name, vers string, err error) {
	s := refScanner{b: line}
	s.ws()
	if !s.eat('{') {
		return "", "", errors.New("an index line is not a JSON object")
	}
	s.ws()
	if s.eat('}') {
		return "", "", errors.New("an index line has no name and vers")
	}
	for {
		s.ws()
		key, ok := s.str()
		if !ok {
			return "", "", errors.New("an index line has a bad key")
		}
		s.ws()
		if !s.eat(':') {
			return "", "", errors.New("an index line lacks a ':'")
		}
		s.ws()
		isName, isVers := bytes.Equal(key, []byte(`"name"`)), bytes.Equal(key, []byte(`"vers"`))
		switch {
		case isName || isVers:
			raw, ok := s.str()
			var v string
			if ok && bytes.IndexByte(raw, '\\') < 0 {
				v = string(raw[1 : len(raw)-1])
			} else if !ok || json.Unmarshal(raw, &v) != nil {
				return "", "", errors.New("an index line's " + string(key) + " is not a string")
			}
			if isName {
				name = v
			} else {
				vers = v
			}
		default:
			if !s.value(0) {
				return "", "", errors.New("an index line holds a malformed value")
			}
		}
		s.ws()
		if s.eat('}') {
			break
		}
		if !s.eat(',') {
			return "", "", errors.New("an index line lacks a ','")
		}
	}
	s.ws()
	if s.i != len(s.b) {
		return "", "", errors.New("an index line has text after its object")
	}
	return name, vers, nil
}

// refScanner walks JSON text.
type refScanner struct {
	b []byte
	i int
}

func (s *refScanner) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\r' || s.b[s.i] == '\n') {
		s.i++
	}
}

func (s *refScanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str scans a string and returns it raw, quotes included.
func (s *refScanner) str() ([]byte, bool) {
	start := s.i
	if !s.eat('"') {
		return nil, false
	}
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '\\':
			s.i += 2
		case c == '"':
			s.i++
			return s.b[start:s.i], true
		case c < 0x20:
			return nil, false
		default:
			s.i++
		}
	}
	return nil, false
}

// value skips one JSON value, nested at most 64 deep.
func (s *refScanner) value(depth int) bool {
	if depth > 64 || s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		_, ok := s.str()
		return ok
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		s.i++
		s.ws()
		if s.eat(closer) {
			return true
		}
		for {
			s.ws()
			if c == '{' {
				if _, ok := s.str(); !ok {
					return false
				}
				s.ws()
				if !s.eat(':') {
					return false
				}
				s.ws()
			}
			if !s.value(depth + 1) {
				return false
			}
			s.ws()
			if s.eat(closer) {
				return true
			}
			if !s.eat(',') {
				return false
			}
		}
	default:
		start := s.i
		for s.i < len(s.b) && (s.b[s.i] == '-' || s.b[s.i] == '+' || s.b[s.i] == '.' || s.b[s.i] >= '0' && s.b[s.i] <= '9' ||
			s.b[s.i] >= 'a' && s.b[s.i] <= 'z' || s.b[s.i] == 'E') {
			s.i++
		}
		return json.Valid(s.b[start:s.i])
	}
}
