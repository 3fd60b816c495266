package alpine

import (
	"encoding/json"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// TestDecodeFileMetaMatchesUnmarshal: decodeFileMeta gives json.Unmarshal's
// result (or its error) for the metadata upload writes (json.Marshal of
// generated entries: continuation lines, escapes, HTML characters,
// unicode, invalid UTF-8, empty) and for 3,000 random mutations and other
// shapes.
func TestDecodeFileMetaMatchesUnmarshal(t *testing.T) {
	texts := []string{"", "P:a\nV:1.0-r0\n", " continuation\n .\n", "<&>\"\\/", "\t\r\x01\x1f", "ü日本", "\xff",
		"\u2028", strings.Repeat("Description: x\n", 40)}
	r := rand.New(rand.NewSource(8))
	var inputs []string
	for i := 0; i < 1000; i++ {
		var s string
		for n := r.Intn(5); n > 0; n-- {
			s += texts[r.Intn(len(texts))]
		}
		b, _ := json.Marshal(FileMeta{Entry: s})
		inputs = append(inputs, string(b))
	}
	inputs = append(inputs, `{}`, `null`, `[]`, `{"Entry":"a"}`, `{"entry":"a","x":1}`, ` { "entry" : "a" } `,
		`{"entry":"a"}x`, `{"entry":"a"}`+"\x00", `{"entry":"\u00e9\ud83d\ude00"}`, `{"entry":"\u0041"}`,
		`{"entry":"a\x"}`, `{"entry":1}`, `{"entry":null}`, `{"entry":"a"`, `{"entry":"a","entry":"b"}`)
	for i := 0; i < 3000; i++ {
		b := []byte(inputs[r.Intn(1000)])
		p := r.Intn(len(b))
		const subs = `{}[],:"\ nu0a`
		switch r.Intn(3) {
		case 0:
			b = append(b[:p], b[p+1:]...)
		case 1:
			b[p] = subs[r.Intn(len(subs))]
		default:
			b = append(b[:p], append([]byte{subs[r.Intn(len(subs))]}, b[p:]...)...)
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		var want, got FileMeta
		werr := json.Unmarshal([]byte(in), &want)
		gerr := decodeFileMeta([]byte(in), &got)
		if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %#v %v, json.Unmarshal %#v %v", in, got, gerr, want, werr)
		}
	}
}
