package cran

import (
	"bytes"
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
		if i%2 == 0 { // with the members upload adds since 0.7.0
			b = fileMetadata(m, "pkg", "1.0", repoFields)
		}
		inputs = append(inputs, string(b))
	}
	inputs = append(inputs, `{}`, `null`, `[]`, `{"Fields":[["a","b"]]}`, `{"fields":[["a"]]}`, `{"fields":[["a","b","c"]]}`,
		`{"fields":null}`, `{"fields":[["a","b"]],"x":1}`, ` {"fields" : [ [ "a" , "b" ] ] } `, `{"fields":[["a","b"]]}x`,
		`{"fields":[["a","b"]]}`+"\x00", `{"fields":[["\u00e9","\ud83d\ude00"]]}`, `{"fields":[["\u0041","\u007f"]]}`,
		`{"fields":[],"key":"a","key":"b"}`, `{"fields":[],"Fields":[["a","b"]]}`, `{"fields":[],"fields":[["a","b"]]}`,
		`{"fields":[],"stanza":1}`, `{"fields":[],"rds":"x","name":"n"}`, `{"fields":[],"other":"x"}`,
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
		var m fileMeta
		if readMeta([]byte(in), &m) {
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

// TestCompareVersionsMatchesSplit: CompareVersions orders as the split
// into fields it replaced did, on 20,000 generated pairs.
func TestCompareVersionsMatchesSplit(t *testing.T) {
	old := func(a, b string) int {
		split := func(s string) []string {
			return strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '-' })
		}
		as, bs := split(a), split(b)
		for i := 0; i < len(as) || i < len(bs); i++ {
			if i >= len(as) {
				return -1
			}
			if i >= len(bs) {
				return 1
			}
			x, y := strings.TrimLeft(as[i], "0"), strings.TrimLeft(bs[i], "0")
			if len(x) != len(y) {
				return cmpInt(len(x), len(y))
			}
			if c := strings.Compare(x, y); c != 0 {
				return c
			}
		}
		return 0
	}
	r := rand.New(rand.NewSource(6))
	gen := func() string {
		b := make([]byte, r.Intn(9))
		for j := range b {
			b[j] = "0019.-a"[r.Intn(7)]
		}
		return string(b)
	}
	for i := 0; i < 20000; i++ {
		a, b := gen(), gen()
		if got, want := CompareVersions(a, b), old(a, b); got != want {
			t.Fatalf("%q vs %q: %d, was %d", a, b, got, want)
		}
	}
}

// TestRenderPACKAGESMatchesBuffer: renderPACKAGES writes the bytes of the
// bytes.Buffer render it replaced: no record, one, many, continuation
// lines (several, leading, trailing), empty values, unicode.
func TestRenderPACKAGESMatchesBuffer(t *testing.T) {
	old := func(recs []fileMeta) []byte {
		var b bytes.Buffer
		for i, r := range recs {
			if i > 0 {
				b.WriteByte('\n')
			}
			for _, f := range r.Fields {
				b.WriteString(f[0])
				b.WriteString(": ")
				b.WriteString(strings.ReplaceAll(f[1], "\n", "\n        "))
				b.WriteByte('\n')
			}
		}
		return b.Bytes()
	}
	r := rand.New(rand.NewSource(7))
	values := append(metaTexts, "\n", "\nlead", "trail\n", "a\n\nb")
	for i := 0; i < 2000; i++ {
		recs := make([]fileMeta, r.Intn(5))
		if i == 1 {
			recs = make([]fileMeta, 300)
		}
		for j := range recs {
			for n := r.Intn(6) + 1; n > 0; n-- {
				recs[j].Fields = append(recs[j].Fields, [2]string{values[r.Intn(len(values))], values[r.Intn(len(values))]})
			}
		}
		if got, want := renderPACKAGES(recs), old(recs); !bytes.Equal(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("render:\n%q\nwant\n%q", got, want)
		}
	}
}
