package pypi

import (
	"bytes"
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
	if bytes.HasSuffix(b, []byte("}}")) {
		if i := bytes.LastIndex(b, []byte(`,"scan":{`)); i >= 0 {
			flat = append(b[:i:i], '}')
		}
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
		s = trimWS(rest[1:])
	}
	return true
}

func flatString(s string) (string, string, bool) {
	s = trimWS(s)
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
			return v, trimWS(s[i+1:]), true
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

// trimWS drops leading JSON white space (strings.TrimLeft with a cutset
// builds its set on every call, which showed in the guest's profile).
func trimWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n') {
		s = s[1:]
	}
	return s
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

// appendJSONString appends s as a JSON string (no HTML escaping). Runs of
// bytes that need no escape are copied at once: appending byte by byte was
// the largest single cost of the JSON simple page in the guest.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			if c == '"' || c == '\\' {
				b = append(b, '\\', c)
			} else {
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
