package cran

import (
	"encoding/json"
	"math/rand"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

var metaTexts = []string{"", "pkg", "R (>= 3.5.0)", "stats, utils,\nmethods", "a\tb\r\"q\"\\/", "<&>", "ü日本", "\x01\x1f",
	"\u2028", "\xff", "é\n", strings.Repeat("x", 300)}

// TestDecodeMetaMatchesUnmarshal: decodeMeta gives json.Unmarshal's
// result (or its error) for the metadata upload writes (json.Marshal of
// generated fields: escapes, HTML characters, unicode, invalid UTF-8, no
// field, many) and for 3,000 random mutations of it and other shapes.
func TestDecodeMetaMatchesUnmarshal(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	var inputs []string
	for i := 0; i < 1000; i++ {
		m := fileMeta{Fields: [][2]string{}}
		for n := r.Intn(8); n > 0; n-- {
			m.Fields = append(m.Fields, [2]string{metaTexts[r.Intn(len(metaTexts))], metaTexts[r.Intn(len(metaTexts))]})
		}
		b, _ := json.Marshal(m)
		inputs = append(inputs, string(b))
	}
	inputs = append(inputs, `{}`, `null`, `[]`, `{"Fields":[["a","b"]]}`, `{"fields":[["a"]]}`, `{"fields":[["a","b","c"]]}`,
		`{"fields":null}`, `{"fields":[["a","b"]],"x":1}`, ` {"fields" : [ [ "a" , "b" ] ] } `, `{"fields":[["a","b"]]}x`,
		`{"fields":[["a","b"]]}`+"\x00", `{"fields":[["\u00e9","\ud83d\ude00"]]}`, `{"fields":[["\u0041","\u007f"]]}`,
		`{"fields":[["a\x","b"]]}`, `{"fields":[["a","b"],]}`, `{"fields":[["a",1]]}`, `{"fields":[["a","b"]]`)
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
	fast := 0
	for _, in := range inputs {
		var want, got fileMeta
		werr := json.Unmarshal([]byte(in), &want)
		gerr := decodeMeta([]byte(in), &got)
		if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %#v %v, json.Unmarshal %#v %v", in, got, gerr, want, werr)
		}
		s := metaScanner{b: []byte(in)}
		var m fileMeta
		if s.meta(&m) {
			fast++
		}
	}
	if fast < 600 {
		t.Fatalf("only %d of %d inputs read by hand", fast, len(inputs))
	}
}

// FuzzDecodeMeta: decodeMeta and json.Unmarshal agree on any metadata.
func FuzzDecodeMeta(f *testing.F) {
	f.Add([]byte(`{"fields":[["Package","a"],["Imports","x,\ny \u003c"]]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var want, got fileMeta
		werr := json.Unmarshal(b, &want)
		gerr := decodeMeta(b, &got)
		if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %#v %v, json.Unmarshal %#v %v", b, got, gerr, want, werr)
		}
	})
}

// TestValidMatchesRegexp: validName and validVersion accept what the
// regexps they replaced accepted, on 20,000 generated strings.
func TestValidMatchesRegexp(t *testing.T) {
	nameRe := regexp.MustCompile(`^[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]$`)
	versionRe := regexp.MustCompile(`^[0-9]+([.-][0-9]+)+$`)
	r := rand.New(rand.NewSource(5))
	const alphabet = "aZ09.-_ é\n"
	accepted := 0
	for i := 0; i < 20000; i++ {
		b := make([]byte, r.Intn(8))
		for j := range b {
			b[j] = alphabet[r.Intn(len(alphabet))]
		}
		s := string(b)
		if r.Intn(50) == 0 {
			s = strings.Repeat("a", 99+r.Intn(3))
		}
		if r.Intn(50) == 0 {
			s = strings.Repeat("1.", 31+r.Intn(2)) + "1"
		}
		if validName(s) != (len(s) <= 100 && nameRe.MatchString(s)) || validVersion(s) != (len(s) <= 64 && versionRe.MatchString(s)) {
			t.Fatalf("%q: name %v version %v", s, validName(s), validVersion(s))
		}
		if validName(s) || validVersion(s) {
			accepted++
		}
	}
	if accepted < 500 {
		t.Fatalf("only %d accepted", accepted)
	}
}
