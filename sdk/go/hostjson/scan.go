package hostjson

import (
	"encoding/json"
	"errors"
)

// The scanner walks a JSON document (RFC 8259, https://www.rfc-editor.org/rfc/rfc8259)
// without decoding it: it finds the spans of values so that a caller can
// copy, replace or decode only the bytes it needs. Nesting is limited to
// 64 levels.

// ErrSyntax is returned by the scanner for bytes that are not JSON (or
// nest too deeply).
var ErrSyntax = errors.New("hostjson: malformed JSON")

// SkipValue returns the index after the JSON value starting at b[i]
// (white space before it is skipped).
func SkipValue(b []byte, i int) (int, error) {
	return skipValue(b, i, 1)
}

// EachMember calls fn for each member of the object at b[i] (white space
// before it is skipped): its key and the span [vs, ve) of its value. It
// returns the index after the object. The key is the document's own bytes
// when it has no escapes (decoded otherwise), so scanning a large object
// allocates nothing per key: fn must not keep it. An error of fn stops
// the scan and is returned as it is.
func EachMember(b []byte, i int, fn func(key []byte, vs, ve int) error) (int, error) {
	i = SkipWS(b, i)
	if i >= len(b) || b[i] != '{' {
		return 0, ErrSyntax
	}
	i = SkipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		_, key, vs, err := memberKey(b, i)
		if err != nil {
			return 0, err
		}
		ve, err := SkipValue(b, vs)
		if err != nil {
			return 0, err
		}
		if err := fn(key, vs, ve); err != nil {
			return 0, err
		}
		next, end, err := afterMember(b, ve)
		if err != nil || end {
			return next, err
		}
		i = next
	}
}

// memberKey reads the key of the object member at b[i] (white space before
// it skipped) and the colon after it: it returns where the key starts, the
// key (the document's own bytes when it has no escapes, decoded otherwise)
// and where the value starts.
func memberKey(b []byte, i int) (ks int, key []byte, vs int, err error) {
	ks = SkipWS(b, i)
	ke, esc, err := SkipString(b, ks)
	if err != nil {
		return 0, nil, 0, err
	}
	key = b[ks+1 : ke-1]
	if esc {
		var k string
		if err := json.Unmarshal(b[ks:ke], &k); err != nil {
			return 0, nil, 0, ErrSyntax
		}
		key = []byte(k)
	}
	i = SkipWS(b, ke)
	if i >= len(b) || b[i] != ':' {
		return 0, nil, 0, ErrSyntax
	}
	return ks, key, SkipWS(b, i+1), nil
}

// afterMember reads what follows a member's value ending at ve: the index
// after the object's closing brace with end set, or the index after the
// comma before the next member.
func afterMember(b []byte, ve int) (next int, end bool, err error) {
	i := SkipWS(b, ve)
	switch {
	case i >= len(b):
		return 0, false, ErrSyntax
	case b[i] == '}':
		return i + 1, true, nil
	case b[i] == ',':
		return i + 1, false, nil
	}
	return 0, false, ErrSyntax
}

// SkipWS returns the index of the first byte at or after i that is not
// JSON white space (len(b) when there is none).
func SkipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// SkipString returns the index after the JSON string starting at
// b[i] == '"' and whether it has escapes; control characters make it
// invalid.
func SkipString(b []byte, i int) (end int, escaped bool, err error) {
	if i >= len(b) || b[i] != '"' {
		return 0, false, ErrSyntax
	}
	esc := false
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '\\':
			esc = true
			j++
		case c == '"':
			return j + 1, esc, nil
		case c < 0x20:
			return 0, false, ErrSyntax
		}
	}
	return 0, false, ErrSyntax
}

// skipValue returns the index after the JSON value starting at b[i]
// (nested at most maxDepth deep).
func skipValue(b []byte, i int, depth int) (int, error) {
	if depth > maxDepth {
		return 0, ErrSyntax
	}
	i = SkipWS(b, i)
	if i >= len(b) {
		return 0, ErrSyntax
	}
	switch b[i] {
	case '"':
		j, _, err := SkipString(b, i)
		return j, err
	case '{', '[':
		closer := byte('}')
		if b[i] == '[' {
			closer = ']'
		}
		i = SkipWS(b, i+1)
		if i < len(b) && b[i] == closer {
			return i + 1, nil
		}
		for {
			var err error
			if closer == '}' {
				if i, _, err = SkipString(b, SkipWS(b, i)); err != nil {
					return 0, err
				}
				if i = SkipWS(b, i); i >= len(b) || b[i] != ':' {
					return 0, ErrSyntax
				}
				i++
			}
			if i, err = skipValue(b, i, depth+1); err != nil {
				return 0, err
			}
			i = SkipWS(b, i)
			if i >= len(b) {
				return 0, ErrSyntax
			}
			if b[i] == closer {
				return i + 1, nil
			}
			if b[i] != ',' {
				return 0, ErrSyntax
			}
			i++
		}
	case 't':
		return literal(b, i, "true")
	case 'f':
		return literal(b, i, "false")
	case 'n':
		return literal(b, i, "null")
	default:
		j := i
		for j < len(b) && numberByte[b[j]] {
			j++
		}
		if j == i {
			return 0, ErrSyntax
		}
		return j, nil
	}
}

var numberByte = func() (t [256]bool) {
	for _, c := range []byte("0123456789+-.eE") {
		t[c] = true
	}
	return t
}()

func literal(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return 0, ErrSyntax
	}
	return i + len(lit), nil
}

// compactStop marks the bytes appendCompact must look at: inside a string
// (bit 1) its end, an escape and (bit 4) what HTML escaping changes;
// outside (bit 2) the start of a string and white space.
var compactStop = func() (t [256]uint8) {
	t['"'] |= 1
	t['\\'] |= 1
	for _, c := range []byte{'<', '>', '&', 0xE2} {
		t[c] |= 4
	}
	for _, c := range []byte{'"', ' ', '\t', '\n', '\r'} {
		t[c] |= 2
	}
	return t
}()

// appendCompact appends the JSON value raw without insignificant white
// space; with html also with <, >, &, U+2028 and U+2029 escaped in strings,
// as encoding/json writes a json.RawMessage.
func appendCompact(dst, raw []byte, html bool) []byte {
	const hex = "0123456789abcdef"
	inMask := uint8(1)
	if html {
		inMask |= 4
	}
	inString := false
	start := 0
	for i := 0; i < len(raw); i++ {
		if inString {
			for i < len(raw) && compactStop[raw[i]]&inMask == 0 {
				i++
			}
			if i >= len(raw) {
				break
			}
			switch c := raw[i]; {
			case c == '\\':
				i++
			case c == '"':
				inString = false
			case c == '<' || c == '>' || c == '&':
				dst = append(dst, raw[start:i]...)
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
				start = i + 1
			case c == 0xE2 && i+2 < len(raw) && raw[i+1] == 0x80 && raw[i+2]&^1 == 0xA8:
				dst = append(dst, raw[start:i]...)
				dst = append(dst, '\\', 'u', '2', '0', '2', hex[raw[i+2]&0xF])
				i += 2
				start = i + 1
			}
			continue
		}
		for i < len(raw) && compactStop[raw[i]]&2 == 0 {
			i++
		}
		if i >= len(raw) {
			break
		}
		if raw[i] == '"' {
			inString = true
			continue
		}
		dst = append(dst, raw[start:i]...)
		start = i + 1
	}
	return append(dst, raw[start:]...)
}
