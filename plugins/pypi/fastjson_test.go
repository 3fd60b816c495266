package pypi

import (
	"encoding/json"
	"testing"
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
