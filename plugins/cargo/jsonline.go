package cargo

import (
	"bytes"
	"encoding/json"
	"errors"
)

// lineKeys reads the top-level "name" and "vers" of an index line, a JSON
// object, skipping every other value without decoding it: a merge reads
// every line of every member, and encoding/json costs several times more
// in the wasm runtime. The line must be one well-formed object.
func lineKeys(line []byte) (name, vers string, err error) {
	s := scanner{b: line}
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

// scanner walks JSON text.
type scanner struct {
	b []byte
	i int
}

// The scanner's loops work on local copies of b and i: reading the
// fields through the pointer at every byte cost several times more in the
// wasm runtime.

func (s *scanner) ws() {
	b, i := s.b, s.i
	for i < len(b) && byteClass[b[i]]&classWS != 0 {
		i++
	}
	s.i = i
}

func (s *scanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str scans a string and returns it raw, quotes included.
func (s *scanner) str() ([]byte, bool) {
	b, start := s.b, s.i
	if start >= len(b) || b[start] != '"' {
		return nil, false
	}
	for i := start + 1; i < len(b); {
		c := b[i]
		if byteClass[c]&classStringStop == 0 {
			i++
			continue
		}
		switch {
		case c == '\\':
			i += 2
		case c == '"':
			s.i = i + 1
			return b[start : i+1], true
		default: // a control byte
			s.i = i
			return nil, false
		}
	}
	return nil, false
}

// value skips one JSON value, nested at most 64 deep.
func (s *scanner) value(depth int) bool {
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
		b, start := s.b, s.i
		i := start
		for i < len(b) && byteClass[b[i]]&classToken != 0 {
			i++
		}
		s.i = i
		return validToken(b[start:i])
	}
}

// validToken reports whether t, a run of the bytes value scans for a
// number or literal, is one JSON value, as json.Valid(t) does (that call
// costs several times more in the wasm runtime): true, false, null or a
// number, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? (RFC 8259 §6).
func validToken(t []byte) bool {
	switch string(t) {
	case "true", "false", "null":
		return true
	}
	i := 0
	if i < len(t) && t[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i, n = i+1, n+1
		}
		return n
	}
	switch {
	case i < len(t) && t[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(t) && t[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(t)
}

// Classes of bytes the scanner's loops stop at or run over.
const (
	classWS         = 1 << iota // JSON white space
	classStringStop             // '"', '\\' or a control byte
	classToken                  // a byte of a number or literal: - + . 0-9 a-z E
)

var byteClass = func() (t [256]uint8) {
	for _, c := range []byte(" \t\r\n") {
		t[c] |= classWS
	}
	for c := 0; c < 0x20; c++ {
		t[c] |= classStringStop
	}
	t['"'] |= classStringStop
	t['\\'] |= classStringStop
	for _, c := range []byte("-+.0123456789abcdefghijklmnopqrstuvwxyzE") {
		t[c] |= classToken
	}
	return t
}()
