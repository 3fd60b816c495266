package conan

import (
	"strconv"
	"unicode/utf8"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// appendJSONString appends s as a JSON string (invalid UTF-8 replaced).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// appendTime appends ms as ISO 8601 UTC ("2024-05-01T10:00:00Z"), which the
// client reads with from_iso8601_to_timestamp (conans/util/dates.py).
func appendTime(b []byte, ms int64) []byte {
	b, _, ok := sdk.AppendUTC(b, ms)
	if !ok {
		b = append(b, "1970-01-01T00:00:00"...)
	}
	return append(b, 'Z')
}
