package jsonscan

import (
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"
)

var texts = []string{"", "a", "P:a\nV:1.0-r0\n", "<&>\"\\/", "\t\r\b\f\x01\x1f\x7f", "ü日本", "\xff", "\u2028",
	strings.Repeat("x", 300)}

// inputs: json.Marshal of generated objects {"entry": text} (escapes,
// HTML characters, unicode, invalid UTF-8, empty), other shapes, and
// random mutations of them.
func inputs(seed int64) []string {
	r := rand.New(rand.NewSource(seed))
	var in []string
	for i := 0; i < 1000; i++ {
		var s string
		for n := r.Intn(5); n > 0; n-- {
			s += texts[r.Intn(len(texts))]
		}
		b, _ := json.Marshal(map[string]string{"entry": s})
		in = append(in, string(b))
	}
	in = append(in, `{}`, `null`, `[]`, `{"Entry":"a"}`, `{"entry":"a","x":1}`, ` { "entry" : "a" } `,
		`{"entry":"a"}x`, `{"entry":"a"}`+"\x00", `{"entry":"\u00e9\ud83d\ude00"}`, `{"entry":"\u0041\/"}`,
		`{"entry":"a\x"}`, `{"entry":1}`, `{"entry":null}`, `{"entry":"a"`, `{"entry":"a","entry":"b"}`,
		`{"entry":"\u0080"}`, `{"entry":"\u00"}`, `{"entry":"a\`, `{"\u0065ntry":"a"}`, `{"entry":"\ud83d"}`,
		`{"entry":"\ud83dx"}`, `{"entry":"\ud83d\u0041"}`, `{"entry":"\ude00\ud83d"}`, `{"entry":"\ud83d\ud83d\ude00"}`,
		`{"entry":"\ud83d\u00"}`, `{"entry":"\uD83D\uDE00\uFFFF"}`, `{"entry":"\ud83d\"}`)
	for i := 0; i < 3000; i++ {
		b := []byte(in[r.Intn(1000)])
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
		in = append(in, string(b))
	}
	return in
}

// TestStringMemberMatchesUnmarshal: whenever StringMember reads a
// document, json.Unmarshal into a struct with that member decodes it to
// the same text; the documents json.Marshal writes are all read by hand.
func TestStringMemberMatchesUnmarshal(t *testing.T) {
	fast := 0
	for i, in := range inputs(8) {
		got, ok := StringMember([]byte(in), "entry")
		if !ok {
			if i < 1000 {
				t.Fatalf("%q: json.Marshal's output not read by hand", in)
			}
			continue
		}
		fast++
		var want struct {
			Entry string `json:"entry"`
		}
		if err := json.Unmarshal([]byte(in), &want); err != nil || want.Entry != got {
			t.Fatalf("%q: %q, json.Unmarshal %q %v", in, got, want.Entry, err)
		}
	}
	if fast < 2000 {
		t.Fatalf("only %d inputs read by hand", fast)
	}
}

// TestStrAndBool: Str, Name (of valid UTF-8) and Bool read what json.Unmarshal reads into a
// string or bool, or refuse it; a refused input is never valid for them
// only when it lies inside the hand-read subset (checked on the generated
// strings, which are all read).
func TestStrAndBool(t *testing.T) {
	for _, in := range append(inputs(9), `true`, `false`, ` true `, `tru`, `falsey`, `null`, `"\u0000"`, `"name"`, `"na\\me"`, "\"a\tb\"", `""`) {
		s := New([]byte(in))
		if v, ok := s.Str(); ok && s.End() {
			var want string
			if err := json.Unmarshal([]byte(in), &want); err != nil || want != v {
				t.Fatalf("Str %q: %q, json.Unmarshal %q %v", in, v, want, err)
			}
		}
		s = New([]byte(in))
		if v, ok := s.Name(); ok && s.End() && utf8.Valid(v) {
			var want string
			if err := json.Unmarshal([]byte(in), &want); err != nil || want != string(v) {
				t.Fatalf("Name %q: %q, json.Unmarshal %q %v", in, v, want, err)
			}
		}
		s = New([]byte(in))
		if v, ok := s.Bool(); ok && s.End() {
			var want bool
			if err := json.Unmarshal([]byte(in), &want); err != nil || want != v {
				t.Fatalf("Bool %q: %v, json.Unmarshal %v %v", in, v, want, err)
			}
		}
	}
	for _, txt := range texts {
		b, _ := json.Marshal(txt)
		s := New(b)
		if v, ok := s.Str(); !ok || v != strings.ToValidUTF8(txt, "\ufffd") || !s.End() {
			t.Fatalf("Str %s: %q %v", b, v, ok)
		}
	}
}

// FuzzStringMember: StringMember never reads a document differently from
// json.Unmarshal.
func FuzzStringMember(f *testing.F) {
	f.Add([]byte(`{"entry":"P:a\n\u003c"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := StringMember(b, "entry")
		if !ok {
			return
		}
		var want struct {
			Entry string `json:"entry"`
		}
		if err := json.Unmarshal(b, &want); err != nil || want.Entry != got {
			t.Fatalf("%q: %q, json.Unmarshal %q %v", b, got, want.Entry, err)
		}
	})
}

// TestObject: known members in any order, each once; an unknown name, a
// repeated member, a failed value or a broken separator fails the object.
func TestObject(t *testing.T) {
	read := func(doc string) (a, b string, ok bool) {
		s := New([]byte(doc))
		ok = s.Object(func(k []byte) (i int, ok bool) {
			switch string(k) {
			case "a":
				a, ok = s.Str()
				return 0, ok
			case "b":
				b, ok = s.Str()
				return 1, ok
			}
			return 0, false
		}) && s.End()
		return a, b, ok
	}
	for doc, want := range map[string][3]any{
		`{}`:                        {"", "", true},
		` { "b" : "y" , "a":"x" } `: {"x", "y", true},
		`{"a":"x"}`:                 {"x", "", true},
	} {
		if a, b, ok := read(doc); a != want[0] || b != want[1] || ok != want[2] {
			t.Errorf("%s: %q %q %v, want %v", doc, a, b, ok, want)
		}
	}
	for _, doc := range []string{`{"c":"x"}`, `{"a":"x","a":"y"}`, `{"a":1}`, `{"a":"x" "b":"y"}`,
		`{"a":"x",}`, `{"a":"x"`, `["a"]`, `{"a":"x"} x`, `{"\u0061":"x"}`} {
		if _, _, ok := read(doc); ok {
			t.Errorf("%s read", doc)
		}
	}
}
