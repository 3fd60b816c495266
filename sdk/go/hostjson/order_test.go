package hostjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// TestAssembleOrder walks the rows a loop's order names, in its order,
// with their texts; a metadata-prefix condition, url-path and json-text
// forms; keys without a row are skipped and a key named twice is refused.
func TestAssembleOrder(t *testing.T) {
	rs := &memRows{files: []Row{
		{Path: "c/a b-1.tgz", Package: "a", Version: "1", Metadata: []byte(`{"f":"x"}`)},
		{Path: "c/a-2.tgz", Package: "a", Version: "2", Metadata: []byte(`{"g":1}`)},
		{Path: "c/b-1<&>é.tgz", Package: "b", Version: "1"},
	}}
	loop := Loop{Source: Files, Prefix: "c/", Separator: []byte("|"), Items: []Item{
		{Kind: ItemRowText, Member: 0}, {Kind: ItemField, Field: FieldPath, Form: FormURLPath},
		{Kind: ItemLiteral, Text: []byte(" ")}, {Kind: ItemField, Field: FieldPath, Form: FormJSONText},
		{Kind: ItemLiteral, Text: []byte(" F"), When: []Condition{{Test: TestMetadataPrefix, Member: 7, Names: []string{`{"f"`, `{"h"`}}}},
		{Kind: ItemRowText, Member: 1},
	}, Order: []Ordered{
		{Key: "c/b-1<&>é.tgz", Texts: [][]byte{[]byte("B:")}},
		{Key: "c/gone.tgz", Texts: [][]byte{[]byte("never")}},
		{Key: "c/a-2.tgz", Texts: [][]byte{[]byte("A2:"), []byte(" second")}},
		{Key: "c/a b-1.tgz"},
	}}
	res, err := Assemble(rs, Template{Loops: []Loop{loop}, Parts: []Part{{Kind: PartLoop}, lit(" n="), {Kind: PartCount}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := `B:c/` + url.PathEscape("b-1<&>é.tgz") + ` "c/b-1<&>é.tgz"|A2:c/a-2.tgz "c/a-2.tgz" second|c/a%20b-1.tgz "c/a b-1.tgz" F n=3`
	if string(res.Doc) != want || res.Rows[0] != 3 {
		t.Fatalf("got  %s\nwant %s (rows %v)", res.Doc, want, res.Rows)
	}
	loop.Order = append(loop.Order, Ordered{Key: "c/a-2.tgz"})
	if _, err := Assemble(rs, Template{Loops: []Loop{loop}, Parts: []Part{{Kind: PartLoop}}}, 0); !errors.Is(err, ErrBadTemplate) {
		t.Fatalf("a key named twice: %v", err)
	}
	big := Loop{Source: Files, Order: make([]Ordered, MaxRows+1)}
	if _, err := Assemble(rs, Template{Loops: []Loop{big}}, 0); !errors.Is(err, ErrBadTemplate) {
		t.Fatalf("an order beyond MaxRows: %v", err)
	}
	texts := Loop{Source: Files, Order: []Ordered{{Key: "k", Texts: [][]byte{make([]byte, MaxText)}}}}
	if _, err := Assemble(rs, Template{Loops: []Loop{texts}}, 0); !errors.Is(err, ErrTemplateTooLarge) {
		t.Fatalf("order texts beyond MaxText: %v", err)
	}
	bad := Loop{Source: Files, Items: []Item{{Kind: ItemLiteral, When: []Condition{{Test: TestLast + 1}}}}}
	if _, err := Assemble(rs, Template{Loops: []Loop{bad}}, 0); !errors.Is(err, ErrBadTemplate) {
		t.Fatalf("an unknown test: %v", err)
	}
}

// TestFormsMatchStdlib checks url-path against url.PathEscape per segment
// and json-text against encoding/json without HTML escaping.
func TestFormsMatchStdlib(t *testing.T) {
	for _, s := range []string{"", "plain", "a/b c/d", "x<y>&z", "é/ü?#%", "\x00\n\"\\", "\u2028\u2029", "bad \xff utf-8", "/lead/", "a+b=c;d"} {
		segs := strings.Split(s, "/")
		for i := range segs {
			segs[i] = url.PathEscape(segs[i])
		}
		if got := string(appendURLPath([]byte("p:"), s)); got != "p:"+strings.Join(segs, "/") {
			t.Errorf("url-path %q: %q", s, got)
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		if got := string(AppendJSONText([]byte("j:"), s)); got != "j:"+strings.TrimSuffix(b.String(), "\n") {
			t.Errorf("json-text %q: %q", s, got)
		}
	}
}
