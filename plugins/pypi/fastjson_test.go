package pypi

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// TestDecodeMetaMatchesEncodingJSON checks the fast decoder against
// encoding/json on documents with escapes, unicode and whitespace.
func TestDecodeMetaMatchesEncodingJSON(t *testing.T) {
	metas := []FileMeta{
		{Name: "a", Version: "1", Filename: "a-1.tar.gz", RequiresPython: ">=3.8,<4 & \"x\""},
		{Name: "ü\u2028\\/", Summary: "tab\tnl\nctl\x01 emoji 😀", MD5: "abc"},
		{},
	}
	for _, m := range metas {
		for _, enc := range [][]byte{mustJSON(m), marshal(m)} {
			var got FileMeta
			if err := decodeMeta(enc, &got); err != nil || got != m {
				t.Errorf("decodeMeta(%s) = %+v, %v; want %+v", enc, got, err, m)
			}
		}
	}
	for _, raw := range []string{` { "name" : "x\/y\u00e9\ud83d\ude00" , "version":"1" } `, `{"name":"x","extra":{"a":1}}`, `{"name":"bad\ud800"}`} {
		var want, got FileMeta
		werr := json.Unmarshal([]byte(raw), &want)
		gerr := decodeMeta([]byte(raw), &got)
		if (werr == nil) != (gerr == nil) || want != got {
			t.Errorf("decodeMeta(%s) = %+v %v, encoding/json %+v %v", raw, got, gerr, want, werr)
		}
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

// TestAppendJSONStringByRuns checks the run-copying encoder against the
// byte-at-a-time definition it replaced, and that the result decodes back.
func TestAppendJSONStringByRuns(t *testing.T) {
	ref := func(s string) []byte {
		const hex = "0123456789abcdef"
		b := []byte{'"'}
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
	for _, s := range []string{"", "plain", `a"b\c`, "tab\there\n", "\x00\x1f", "é ü 日本", "x\u2028y\u2029z", "bad \xff\xfe utf8",
		"\xe2\x80", "trailing\\", `"`, "<&>", "end é"} {
		got := appendJSONString([]byte("p"), s)
		if want := append([]byte("p"), ref(s)...); string(got) != string(want) {
			t.Errorf("%q: got %s want %s", s, got, want)
		}
		var back string
		if err := json.Unmarshal(got[1:], &back); err != nil || (utf8.ValidString(s) && back != s) {
			t.Errorf("%q: decodes to %q (%v)", s, back, err)
		}
	}
}
