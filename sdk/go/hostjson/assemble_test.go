package hostjson

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

type memRows struct {
	versions, files []Row
	calls           int
}

func (m *memRows) Versions(pkg, after string, limit int) ([]Row, error) {
	m.calls++
	var out []Row
	for _, r := range m.versions {
		if r.Package == pkg && r.Version > after && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memRows) Files(prefix, after string, limit int, pkg string) ([]Row, error) {
	m.calls++
	var out []Row
	for _, r := range m.files {
		if strings.HasPrefix(r.Path, prefix) && r.Path > after && (pkg == "" || r.Package == pkg) && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

func lit(s string) Part { return Part{Kind: PartLiteral, Text: []byte(s)} }

// TestAssembleFiles renders an HTML list of files with every field form,
// conditions on members, byte replacements and aggregates.
func TestAssembleFiles(t *testing.T) {
	rs := &memRows{files: []Row{
		{Path: "p/a-1.tar.gz", Package: "a", Version: "1", SHA256: "aa", Size: 10, CreatedMs: 2000, Metadata: []byte(`{"req":">=3 <4","y":true}`)},
		{Path: "p/a-2&.tar.gz", Package: "a", Version: "2", SHA256: "bb", Size: 20, CreatedMs: 1000, Metadata: []byte(`{"x":1}`)},
		{Path: "q/b-1.tar.gz", Package: "b", Version: "1", CreatedMs: 5000},
	}}
	t1 := Template{Loops: []Loop{{Source: Files, Prefix: "p/", Separator: []byte("\n"), Members: []string{"req", "y"},
		MemberForm: Text, Replace: []Replacement{{Pattern: []byte(">="), With: []byte("GE")}, {Pattern: []byte("<"), With: []byte("LT")}},
		Items: []Item{
			{Kind: ItemLiteral, Text: []byte(`<a href="`)}, {Kind: ItemField, Field: FieldPath, Form: FormHTML},
			{Kind: ItemLiteral, Text: []byte(`#sha256=`)}, {Kind: ItemField, Field: FieldSHA256},
			{Kind: ItemLiteral, Text: []byte(`" data-requires="`), When: []Condition{{Test: TestPresent, Member: 0}}},
			{Kind: ItemMember, Member: 0}, {Kind: ItemLiteral, Text: []byte(` size=`)}, {Kind: ItemField, Field: FieldSize},
			{Kind: ItemLiteral, Text: []byte(` at `)}, {Kind: ItemField, Field: FieldCreated, Form: FormUnixMs},
			{Kind: ItemLiteral, Text: []byte(` v`)}, {Kind: ItemField, Field: FieldVersion, Form: FormJSONString},
		}}},
		Parts: []Part{lit("<html>\n"), {Kind: PartLoop}, lit("\n"), {Kind: PartCount}, lit(" "),
			{Kind: PartMinCreated, Form: FormISOMs}, lit(" "), {Kind: PartMaxCreated, Form: FormUnixMs}}}
	res, err := Assemble(rs, t1, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The member is decoded text (Text form); y is a bool, so the loop is
	// irregular in Text form.
	if res.Doc != nil || res.Irregular != 1 || res.Rows[0] != 2 {
		t.Fatalf("a boolean in text form must be irregular: %+v %q", res, res.Doc)
	}
	t1.Loops[0].Members = []string{"req"}
	res, err = Assemble(rs, t1, 0)
	want := "<html>\n" + `<a href="p/a-1.tar.gz#sha256=aa" data-requires="GE3 LT4 size=10 at 2000 v"1"` + "\n" +
		`<a href="p/a-2&amp;.tar.gz#sha256=bb size=20 at 1000 v"2"` + "\n2 1970-01-01T00:00:01.000Z 2000"
	if err != nil || string(res.Doc) != want {
		t.Fatalf("got %v\n%s\nwant\n%s", err, res.Doc, want)
	}
}

// TestAssembleSharesListings: loops over the same listing list it once;
// a version filter picks one row.
func TestAssembleSharesListings(t *testing.T) {
	rs := &memRows{}
	for i := range 2500 {
		rs.versions = append(rs.versions, Row{Package: "p", Version: fmt.Sprintf("1.%04d", i), CreatedMs: int64(i), Metadata: []byte(`{"k":"v` + fmt.Sprint(i) + `"}`)})
	}
	t1 := Template{Loops: []Loop{
		{Source: Versions, Package: "p", Items: []Item{{Kind: ItemField, Field: FieldVersion}}, Separator: []byte(",")},
		{Source: Versions, Package: "p", Version: "1.0042", Members: []string{"k"}, Items: []Item{{Kind: ItemMember}}},
	}, Parts: []Part{{Kind: PartCount, Loop: 0}, lit(":"), {Kind: PartLoop, Loop: 1}}}
	res, err := Assemble(rs, t1, 0)
	if err != nil || string(res.Doc) != `2500:"v42"` || rs.calls != 3 || res.Rows[1] != 1 {
		t.Fatalf("%q %v, %d listing calls, rows %v", res.Doc, err, rs.calls, res.Rows)
	}
	t1.Loops[0].Limit = 2000
	if _, err := Assemble(rs, t1, 0); !errors.Is(err, ErrTooManyRows) {
		t.Fatalf("limit: %v", err)
	}
	t1.Loops[0].Limit = 0
	if _, err := Assemble(rs, t1, 5); !errors.Is(err, ErrAssembledTooLarge) {
		t.Fatalf("output limit: %v", err)
	}
}

// TestAssembleRefusesBadTemplates names every refusal.
func TestAssembleRefusesBadTemplates(t *testing.T) {
	loop := func(it ...Item) Template {
		return Template{Loops: []Loop{{Source: Versions, Members: []string{"a"}, Items: it}}, Parts: []Part{{Kind: PartLoop}}}
	}
	for name, c := range map[string]struct {
		t    Template
		want error
	}{
		"loop index":              {Template{Parts: []Part{{Kind: PartLoop, Loop: 1}}}, ErrBadTemplate},
		"part kind":               {Template{Parts: []Part{{Kind: 9}}}, ErrBadTemplate},
		"created form":            {Template{Loops: []Loop{{}}, Parts: []Part{{Kind: PartMinCreated, Form: FormHTML}}}, ErrBadTemplate},
		"member index":            {loop(Item{Kind: ItemMember, Member: 1}), ErrBadTemplate},
		"condition index":         {loop(Item{Kind: ItemLiteral, When: []Condition{{Member: 3}}}), ErrBadTemplate},
		"file field of a version": {loop(Item{Kind: ItemField, Field: FieldPath}), ErrBadTemplate},
		"time form of a name":     {loop(Item{Kind: ItemField, Field: FieldVersion, Form: FormISOMs}), ErrBadTemplate},
		"empty pattern":           {Template{Loops: []Loop{{Replace: []Replacement{{}}}}}, ErrBadTemplate},
		"too many loops":          {Template{Loops: make([]Loop, MaxLoops+1)}, ErrTemplateTooLarge},
		"too many parts":          {Template{Parts: make([]Part, MaxPieces+1)}, ErrTemplateTooLarge},
		"too much text":           {Template{Parts: []Part{{Text: make([]byte, MaxText+1)}}}, ErrTemplateTooLarge},
		"too many members":        {Template{Loops: []Loop{{Members: make([]string, MaxKeys+1)}}}, ErrBadTemplate},
	} {
		if _, err := Assemble(&memRows{}, c.t, 0); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

func TestHasKeyAndKinds(t *testing.T) {
	for v, want := range map[string]bool{`{"a":1,"install":2}`: true, `{"inst\u0061ll":{}}`: true, `{"a":{"install":1}}`: false,
		`{}`: false, `null`: false, `[]`: false, `{"installx":1}`: false} {
		if hasKey([]byte(v), []string{"install"}) != want {
			t.Errorf("hasKey(%s) != %v", v, want)
		}
	}
	if !kindIn(nil, nil) || !kindIn([]byte("12"), []string{"number"}) || kindIn([]byte(`"x"`), []string{"object"}) {
		t.Error("kindIn")
	}
}
