package search

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

func TestTerms(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want []string
		bad  bool
	}{
		{q: "", want: nil},
		{q: "Left-Pad", want: []string{"left", "pad"}},
		{q: `"quoted" AND (x OR y) NOT z*`, want: []string{"quoted", "and", "x", "or", "y", "not", "z"}},
		{q: "' OR 1=1; DROP TABLE t; --", want: []string{"or", "1", "drop", "table", "t"}},
		{q: "@scope/pkg@1.2.3", want: []string{"scope", "pkg", "1", "2", "3"}},
		{q: "crème brûlée", want: []string{"crème", "brûlée"}},
		{q: "a\x00b\tc", want: []string{"a", "b", "c"}},
		{q: "dup dup DUP", want: []string{"dup"}},
		{q: "\xff\xfe", bad: true},
		{q: strings.Repeat("x", MaxQueryBytes+1), bad: true},
		{q: strings.Repeat("y", ports.SearchMaxTermBytes+1), bad: true},
		{q: "a b c d e f g h i j k l m n o p q", bad: true},
	} {
		got, err := Terms(tc.q)
		if tc.bad {
			if !errors.Is(err, ports.ErrInvalid) {
				t.Errorf("Terms(%.40q) = %v, %v; want ErrInvalid", tc.q, got, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("Terms(%q) = %v, %v; want %v", tc.q, got, err, tc.want)
		}
	}
}

func TestHighlight(t *testing.T) {
	for _, tc := range []struct {
		s     string
		terms []string
		want  string
		ok    bool
	}{
		{"left-pad", []string{"left"}, "<mark>left</mark>-pad", true},
		{"Pad a <b>string</b>", []string{"str"}, "Pad a &lt;b&gt;<mark>string</mark>&lt;/b&gt;", true},
		{"<script>", []string{"zzz"}, "&lt;script&gt;", false},
		{"Café au lait", []string{"café"}, "<mark>Café</mark> au lait", true},
		{"nothing", nil, "nothing", false},
		{"ui-kit uikit UI", []string{"ui"}, "<mark>ui</mark>-kit uikit <mark>UI</mark>", true},
		{"uikit", []string{"uik"}, "<mark>uikit</mark>", true},
	} {
		got, ok := Highlight(tc.s, tc.terms)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Highlight(%q, %v) = %q, %v; want %q, %v", tc.s, tc.terms, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzTerms: any input either is refused as ErrInvalid or gives at most
// SearchMaxTerms lowercase words of letters and digits; Highlight of any
// text escapes every '<'.
func FuzzTerms(f *testing.F) {
	for _, s := range []string{"left-pad", `"a" OR b*`, "\xff", "crème", "<script>", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		terms, err := Terms(q)
		if err != nil {
			if !errors.Is(err, ports.ErrInvalid) {
				t.Fatalf("%q: %v is not ErrInvalid", q, err)
			}
			return
		}
		if len(terms) > ports.SearchMaxTerms {
			t.Fatalf("%q: %d terms", q, len(terms))
		}
		for _, w := range terms {
			if w == "" || len(w) > ports.SearchMaxTermBytes || strings.IndexFunc(w, isSeparator) >= 0 || strings.ToLower(w) != w {
				t.Fatalf("%q: term %q", q, w)
			}
		}
		if h, _ := Highlight(q, terms); strings.Contains(strings.ReplaceAll(strings.ReplaceAll(h, "<mark>", ""), "</mark>", ""), "<") {
			t.Fatalf("%q: highlight %q lets '<' through", q, h)
		}
	})
}
