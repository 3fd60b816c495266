package pypi

import (
	"encoding/json"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Reflection-based encoding/json is slow inside WebAssembly, and the simple
// page decodes one FileMeta per file: these helpers handle the flat
// string-only documents Keeper writes itself and fall back to encoding/json.

// decodeMeta decodes a FileMeta.
func decodeMeta(b []byte, m *FileMeta) error {
	flat := b
	// The scan layout (sdk.WithScan) is the last member and the only nested
	// one; the flat walk skips it.
	if i := strings.LastIndex(string(b), `,"scan":{`); i >= 0 && strings.HasSuffix(string(b), "}}") {
		flat = append(b[:i:i], '}')
	}
	if ok := decodeFlat(flat, func(k, v string) {
		switch k {
		case "name":
			m.Name = v
		case "version":
			m.Version = v
		case "filename":
			m.Filename = v
		case "packagetype":
			m.PackageType = v
		case "python_version":
			m.PythonVersion = v
		case "requires_python":
			m.RequiresPython = v
		case "summary":
			m.Summary = v
		case "md5":
			m.MD5 = v
		case "blake2b_256":
			m.Blake2b256 = v
		case "core_metadata_sha256":
			m.CoreMetadataSHA256 = v
		}
	}); ok {
		return nil
	}
	*m = FileMeta{}
	return json.Unmarshal(b, m)
}

// decodeFlat walks {"k":"v",...} (string values only); false otherwise.
func decodeFlat(b []byte, fn func(k, v string)) bool {
	s := strings.TrimSpace(string(b))
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return false
	}
	s = strings.TrimSpace(s[1 : len(s)-1])
	for s != "" {
		k, rest, ok := flatString(s)
		if !ok || rest == "" || rest[0] != ':' {
			return false
		}
		v, rest, ok := flatString(rest[1:])
		if !ok {
			return false
		}
		fn(k, v)
		if rest == "" {
			break
		}
		if rest[0] != ',' {
			return false
		}
		s = strings.TrimLeft(rest[1:], " \t\r\n")
	}
	return true
}

func flatString(s string) (string, string, bool) {
	s = strings.TrimLeft(s, " \t\r\n")
	if s == "" || s[0] != '"' {
		return "", "", false
	}
	var buf []byte
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			v := s[1:i]
			if buf != nil {
				v = string(buf)
			}
			return v, strings.TrimLeft(s[i+1:], " \t\r\n"), true
		case c < 0x20:
			return "", "", false
		case c == '\\':
			if buf == nil {
				buf = append([]byte{}, s[1:i]...)
			}
			if i+1 >= len(s) {
				return "", "", false
			}
			i++
			switch e := s[i]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, n := hex4(s[i+1:])
				if n == 0 {
					return "", "", false
				}
				i += 4
				if utf16.IsSurrogate(r) {
					if r2, n2 := hex4(strings.TrimPrefix(s[i+1:], "\\u")); n2 > 0 && strings.HasPrefix(s[i+1:], "\\u") {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							r = d
							i += 6
						} else {
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				return "", "", false
			}
		default:
			if buf != nil {
				buf = append(buf, c)
			}
		}
	}
	return "", "", false
}

func hex4(s string) (rune, int) {
	if len(s) < 4 {
		return 0, 0
	}
	var r rune
	for i := 0; i < 4; i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, 0
		}
	}
	return r, 4
}

// appendJSONString appends s as a JSON string (no HTML escaping).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
