package hostjson

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var urlEdit = StringEdit{Path: []string{"v", "*", "u"}, Separator: "/", Head: "L/",
	TailBytes: "abcdefghijklmnopqrstuvwxyz0123456789.-", TailSuffix: ".t", Forbid: "?#"}

// TestEditSplicesHeads: every value at the path gets its head replaced,
// the rest of the document stays byte for byte; conditions count.
func TestEditSplicesHeads(t *testing.T) {
	doc := ` {"n":"x", "v": {"1": {"u": "https://h/a/x-1.t", "k": [1]}, "2": {"n": "x"}, "3": {"u":"x-3.t"}}, "u": "h/y.t"} `
	res, err := Edit([]byte(doc), []StringEdit{urlEdit}, []Require{{Path: []string{"n"}, Value: []byte(`"x"`)},
		{Path: []string{"v", "*", "n"}, Value: []byte(`"x"`)}, {Path: []string{"v"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := ` {"n":"x", "v": {"1": {"u": "L/x-1.t", "k": [1]}, "2": {"n": "x"}, "3": {"u":"L/x-3.t"}}, "u": "h/y.t"} `
	if string(res.Doc) != want || !slices.Equal(res.Edited, []uint32{2}) || !slices.Equal(res.Found, []uint32{1, 1, 1}) {
		t.Fatalf("got %s %v %v\nwant %s", res.Doc, res.Edited, res.Found, want)
	}
}

// TestEditDoesNotFit: every irregularity leaves the document to the
// caller (Doc nil, no error).
func TestEditDoesNotFit(t *testing.T) {
	conds := []Require{{Path: []string{"n"}, Value: []byte(`"x"`)}}
	for _, doc := range []string{
		`{"n":"x","v":{"1":{"u":"h/x?.t"}}}`,            // forbidden byte
		`{"n":"x","v":{"1":{"u":"h/x#/y.t"}}}`,          // forbidden byte in the head
		`{"n":"x","v":{"1":{"u":"h/X.t"}}}`,             // tail byte
		`{"n":"x","v":{"1":{"u":"h/x.z"}}}`,             // suffix
		`{"n":"x","v":{"1":{"u":"h//x.t"}}}`,            // separator after a separator
		`{"n":"x","v":{"1":{"u":"h\/x.t"}}}`,            // escape
		`{"n":"x","v":{"1":{"u":1}}}`,                   // not a string
		`{"n":"x","v":{"1":{"u":"a/b.t","u":"c/d.t"}}}`, // repeated edited member
		`{"n":"x","v":{"1":{"u":"a/b.t"}},"v":{}}`,      // repeated walked member
		`{"n":"x","v":{"1":[]}}`,                        // walked value not an object
		`{"n":"x","v":[]}`,                              // walked value not an object
		`{"n":"y","v":{}}`,                              // condition
		`{"n":"x","n":"x","v":{}}`,                      // repeated condition member
		`{"n":"x","v":{}} x`,                            // malformed
		`["n"]`,                                         // not an object
		``,
	} {
		res, err := Edit([]byte(doc), []StringEdit{urlEdit}, conds)
		if err != nil || res.Doc != nil {
			t.Errorf("%s: got %q, %v; want no document", doc, res.Doc, err)
		}
	}
	// The same member name under different objects, and the same key of a
	// wildcard twice, are no repeats.
	res, err := Edit([]byte(`{"n":"x","v":{"1":{"u":"a/b.t"},"1":{"u":"c/d.t"}}}`), []StringEdit{urlEdit}, conds)
	if err != nil || string(res.Doc) != `{"n":"x","v":{"1":{"u":"L/b.t"},"1":{"u":"L/d.t"}}}` {
		t.Fatalf("got %s, %v", res.Doc, err)
	}
}

// TestEditErrors: bad edits and inputs out of bounds are errors.
func TestEditErrors(t *testing.T) {
	bad := func(f func(*StringEdit)) []StringEdit {
		e := urlEdit
		f(&e)
		return []StringEdit{e}
	}
	for _, c := range []struct {
		edits []StringEdit
		conds []Require
		want  error
	}{
		{bad(func(e *StringEdit) { e.Separator = "" }), nil, ErrBadEdit},
		{bad(func(e *StringEdit) { e.Separator = "//" }), nil, ErrBadEdit},
		{bad(func(e *StringEdit) { e.Head = `a"b` }), nil, ErrBadEdit},
		{bad(func(e *StringEdit) { e.Head = strings.Repeat("h", MaxEditHead+1) }), nil, ErrBadEdit},
		{bad(func(e *StringEdit) { e.Path = nil }), nil, ErrBadEdit},
		{bad(func(e *StringEdit) { e.Path = []string{""} }), nil, ErrBadEdit},
		{[]StringEdit{urlEdit, urlEdit}, nil, ErrBadEdit},
		{make([]StringEdit, MaxEdits+1), nil, ErrBadEdit},
		{nil, make([]Require, MaxConditions+1), ErrBadEdit},
	} {
		if _, err := Edit([]byte(`{}`), c.edits, c.conds); !errors.Is(err, c.want) {
			t.Errorf("%+v: got %v, want %v", c.edits, err, c.want)
		}
	}
}
