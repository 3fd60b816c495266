package sdk

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "nl\nrt\r\ttab\b\f", "\x00\x01\x1f\x7f", "<a href='x'>&</a>",
		"héllo wörld ✓ 𝄞 \u2028\u2029", "bad\xffutf8\xc3", strings.Repeat("ab\"", 100)} {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
	if got := string(AppendJSONString([]byte("x:"), "y")); got != `x:"y"` {
		t.Errorf("append to a prefix: %s", got)
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("a\"b\\c\x00<>&\u00e9\xff")
	f.Fuzz(func(t *testing.T, s string) {
		var back string
		if err := json.Unmarshal(AppendJSONString(nil, s), &back); err != nil {
			t.Fatalf("%q does not decode: %v", s, err)
		}
		want, _ := json.Marshal(s) // encoding/json replaces each invalid byte too
		if got := AppendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}
