package hostjson

import (
	"errors"
	"testing"
)

// TestAssembleSort sorts a loop by a packed key stored in each row's
// metadata, ascending and descending (ties keep the listing's order), in
// every member form, alongside an unsorted loop over the same listing; a row
// without the key makes the document irregular; sort with an order or a
// member out of range is a bad template.
func TestAssembleSort(t *testing.T) {
	rs := &memRows{files: []Row{
		{Path: "p/a", Version: "1", Metadata: []byte(`{"k":"b1","n":"a"}`)},
		{Path: "p/b", Version: "2", Metadata: []byte(`{"k":"a9","n":"b"}`)},
		{Path: "p/c", Version: "3", Metadata: []byte(`{"n":"c","k":"b1"}`)},
		{Path: "p/d", Version: "4", Metadata: []byte(`{"k":"b","n":"d"}`)},
	}}
	loop := func(s SortOrder, form Form) Loop {
		return Loop{Source: Files, Prefix: "p/", Separator: []byte(","), Members: []string{"n", "k"}, MemberForm: form,
			Sort: s, SortMember: 1, Items: []Item{{Kind: ItemMember, Member: 0}, {Kind: ItemField, Field: FieldVersion}}}
	}
	for _, c := range []struct {
		s    SortOrder
		form Form
		want string
	}{
		{SortAscending, Text, "b2,d4,a1,c3|a1,b2,c3,d4"},
		{SortDescending, Text, "a1,c3,d4,b2|a1,b2,c3,d4"},
		{SortAscending, Compact, `"b"2,"d"4,"a"1,"c"3|"a"1,"b"2,"c"3,"d"4`},
		{SortAscending, Raw, `"b"2,"d"4,"a"1,"c"3|"a"1,"b"2,"c"3,"d"4`},
		{SortNone, Text, "a1,b2,c3,d4|a1,b2,c3,d4"},
	} {
		tpl := Template{Loops: []Loop{loop(c.s, c.form), loop(SortNone, c.form)},
			Parts: []Part{{Kind: PartLoop}, lit("|"), {Kind: PartLoop, Loop: 1}}}
		res, err := Assemble(rs, tpl, 0)
		if err != nil || string(res.Doc) != c.want || res.Irregular != 0 {
			t.Fatalf("sort %d form %d: %q %+v %v, want %q", c.s, c.form, res.Doc, res, err, c.want)
		}
	}
	if rs.calls != 5 {
		t.Fatalf("%d listings, want one a call", rs.calls)
	}

	rs.files = append(rs.files, Row{Path: "p/e", Version: "5", Metadata: []byte(`{"n":"e","k":""}`)})
	res, err := Assemble(rs, Template{Loops: []Loop{loop(SortAscending, Text)}, Parts: []Part{{Kind: PartLoop}}}, 0)
	if err != nil || res.Irregular != 1 || res.Doc != nil {
		t.Fatalf("row without key: %+v %v", res, err)
	}
	res, err = Assemble(rs, Template{Loops: []Loop{loop(SortNone, Text)}, Parts: []Part{{Kind: PartLoop}}}, 0)
	if err != nil || res.Irregular != 0 || string(res.Doc) != "a1,b2,c3,d4,e5" {
		t.Fatalf("unsorted with an empty key: %q %v", res.Doc, err)
	}

	for name, l := range map[string]Loop{
		"order":      func() Loop { l := loop(SortAscending, Text); l.Order = []Ordered{{Key: "p/a"}}; return l }(),
		"member":     func() Loop { l := loop(SortDescending, Text); l.SortMember = 2; return l }(),
		"no members": func() Loop { l := loop(SortAscending, Text); l.Members = nil; l.Items = nil; return l }(),
		"enum":       loop(SortDescending+1, Text),
	} {
		_, err := Assemble(rs, Template{Loops: []Loop{l}, Parts: []Part{{Kind: PartLoop}}}, 0)
		if !errors.Is(err, ErrBadTemplate) {
			t.Fatalf("%s: %v, want bad template", name, err)
		}
	}
}

// TestAssembleSkipAndGroups leaves side rows out of a sorted loop (by a
// member test and by a metadata prefix, also with an order) and writes a
// head once per run of equal values with first/changed; first and changed
// cannot skip.
func TestAssembleSkipAndGroups(t *testing.T) {
	rs := &memRows{files: []Row{
		{Path: "p/a", Version: "1", Metadata: []byte(`{"k":"2","g":"x"}`)},
		{Path: "p/a.sig", Version: "1", Metadata: []byte(`{"side":true}`)},
		{Path: "p/b", Version: "2", Metadata: []byte(`{"k":"1","g":"y"}`)},
		{Path: "p/c", Version: "3", Metadata: []byte(`{"k":"3","g":"x"}`)},
		{Path: "p/d", Version: "4", Metadata: []byte(`{"k":"0","g":"y"}`)},
	}}
	items := []Item{
		{Kind: ItemLiteral, Text: []byte(";"), When: []Condition{{Test: TestChanged, Member: 1}}},
		{Kind: ItemMember, Member: 1, When: []Condition{{Test: TestFirst}, {Test: TestChanged, Member: 1}}},
		{Kind: ItemLiteral, Text: []byte(":")}, {Kind: ItemField, Field: FieldVersion},
	}
	l := Loop{Source: Files, Prefix: "p/", Members: []string{"k", "g", "side"}, MemberForm: Compact, Sort: SortAscending,
		Skip: []Condition{{Test: TestIsTrue, Member: 2}}, Items: items}
	tpl := Template{Loops: []Loop{l}, Parts: []Part{{Kind: PartLoop}, lit(" "), {Kind: PartCount}}}
	res, err := Assemble(rs, tpl, 0)
	if err != nil || string(res.Doc) != `"y":4:2;"x":1:3 4` || res.Rows[0] != 4 {
		t.Fatalf("skip, sort, groups: %q %+v %v", res.Doc, res, err)
	}
	l.Sort, l.Skip = SortNone, []Condition{{Test: TestMetadataPrefix, Names: []string{`{"side"`}}}
	l.Order = []Ordered{{Key: "p/c"}, {Key: "p/a.sig"}, {Key: "p/a"}, {Key: "p/b"}}
	res, err = Assemble(rs, Template{Loops: []Loop{l}, Parts: []Part{{Kind: PartLoop}}}, 0)
	if err != nil || string(res.Doc) != `"x":3:1;"y":2` {
		t.Fatalf("skip by prefix with an order: %q %v", res.Doc, err)
	}
	for _, c := range []Condition{{Test: TestFirst}, {Test: TestChanged, Member: 1}, {Test: TestDated + 1}, {Test: TestPresent, Member: 3}} {
		l.Skip = []Condition{c}
		if _, err := Assemble(rs, Template{Loops: []Loop{l}, Parts: []Part{{Kind: PartLoop}}}, 0); !errors.Is(err, ErrBadTemplate) {
			t.Fatalf("skip %+v: %v, want bad template", c, err)
		}
	}
}

// TestAssembleDatedMicros writes created with microseconds only for rows
// with a creation time, and skips undated rows.
func TestAssembleDatedMicros(t *testing.T) {
	rs := &memRows{files: []Row{{Path: "p/a", CreatedMs: 1700000000123}, {Path: "p/b"}}}
	dated := []Condition{{Test: TestDated}}
	l := Loop{Source: Files, Prefix: "p/", Separator: []byte(","), Items: []Item{{Kind: ItemField, Field: FieldPath},
		{Kind: ItemLiteral, Text: []byte("@"), When: dated}, {Kind: ItemField, Field: FieldCreated, Form: FormISOUs, When: dated}}}
	res, err := Assemble(rs, Template{Loops: []Loop{l}, Parts: []Part{{Kind: PartLoop}}}, 0)
	if err != nil || string(res.Doc) != "p/a@2023-11-14T22:13:20.123000Z,p/b" {
		t.Fatalf("dated: %q %v", res.Doc, err)
	}
	l.Skip = []Condition{{Test: TestAbsent + 100}}
	if _, err := Assemble(rs, Template{Loops: []Loop{l}}, 0); !errors.Is(err, ErrBadTemplate) {
		t.Fatalf("unknown skip test: %v", err)
	}
	l.Skip = []Condition{{Test: TestDated}}
	res, err = Assemble(rs, Template{Loops: []Loop{l}, Parts: []Part{{Kind: PartLoop}, {Kind: PartCount}}}, 0)
	if err != nil || string(res.Doc) != "p/b1" {
		t.Fatalf("skip dated: %q %v", res.Doc, err)
	}
	if _, err := Assemble(rs, Template{Loops: []Loop{{Source: Files, Items: []Item{{Kind: ItemField, Field: FieldPath, Form: FormISOUs}}}}}, 0); !errors.Is(err, ErrBadTemplate) {
		t.Fatalf("iso-us of a path: %v", err)
	}
}
