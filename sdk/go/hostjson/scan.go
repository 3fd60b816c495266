package hostjson

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"'
// and whether it has escapes; control characters make it invalid.
func skipString(b []byte, i int) (int, bool, error) {
	if i >= len(b) || b[i] != '"' {
		return 0, false, errIrregular
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
			return 0, false, errIrregular
		}
	}
	return 0, false, errIrregular
}

// skipValue returns the index after the JSON value starting at b[i]
// (nested at most maxDepth deep).
func skipValue(b []byte, i int, depth int) (int, error) {
	if depth > maxDepth {
		return 0, errIrregular
	}
	i = skipWS(b, i)
	if i >= len(b) {
		return 0, errIrregular
	}
	switch b[i] {
	case '"':
		j, _, err := skipString(b, i)
		return j, err
	case '{', '[':
		closer := byte('}')
		if b[i] == '[' {
			closer = ']'
		}
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == closer {
			return i + 1, nil
		}
		for {
			var err error
			if closer == '}' {
				if i, _, err = skipString(b, skipWS(b, i)); err != nil {
					return 0, err
				}
				if i = skipWS(b, i); i >= len(b) || b[i] != ':' {
					return 0, errIrregular
				}
				i++
			}
			if i, err = skipValue(b, i, depth+1); err != nil {
				return 0, err
			}
			i = skipWS(b, i)
			if i >= len(b) {
				return 0, errIrregular
			}
			if b[i] == closer {
				return i + 1, nil
			}
			if b[i] != ',' {
				return 0, errIrregular
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
			return 0, errIrregular
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
		return 0, errIrregular
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
