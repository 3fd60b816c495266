package hostjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestSpansFindsPaths: wildcards, repeated and escaped names, values that
// are not objects, and the order of the matches.
func TestSpansFindsPaths(t *testing.T) {
	doc := ` {"a": {"x": 1, "y": {"b": "B1"}}, "a" : 2, "\u0061": {"z": {"b": [3]}}, "c": {"b": 4}} `
	got, err := Spans([]byte(doc), [][]string{{"a", "*", "b"}, {"a"}, {"c", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	var vals []string
	for i := 0; i < len(got); i += 4 {
		name := doc[got[i+1] : strings.IndexByte(doc[got[i+1]+1:], '"')+int(got[i+1])+2]
		vals = append(vals, fmt.Sprintf("%d %s %s", got[i], name, doc[got[i+2]:got[i+2]+got[i+3]]))
	}
	want := []string{`1 "a" {"x": 1, "y": {"b": "B1"}}`, `0 "b" "B1"`, `1 "a" 2`,
		`1 "\u0061" {"z": {"b": [3]}}`, `0 "b" [3]`, `2 "b" 4`}
	if !slices.Equal(vals, want) {
		t.Fatalf("got  %q\nwant %q", vals, want)
	}
}

// TestSpansErrors: malformed documents and paths out of bounds get the
// named errors; nesting counts from each skipped value, not from the
// objects a path walks into.
func TestSpansErrors(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	for _, c := range []struct {
		doc   string
		paths [][]string
		want  error
	}{
		{`{"a":1} x`, [][]string{{"a"}}, ErrSpansSyntax},
		{`{"a":}`, [][]string{{"a"}}, ErrSpansSyntax},
		{`{"a\x":1}`, [][]string{{"a"}}, ErrSpansSyntax},
		{`[1,]`, [][]string{{"a"}}, ErrSpansSyntax},
		{``, nil, ErrSpansSyntax},
		{`{"a":` + deep(65) + `}`, [][]string{{"b"}}, ErrSpansSyntax},
		{`{"a":{"b":` + deep(64) + `}}`, [][]string{{"a", "c"}}, nil},
		{`{"a":{"b":` + deep(65) + `}}`, [][]string{{"a", "c"}}, ErrSpansSyntax},
		{`{}`, make([][]string, MaxSpanPaths+1), ErrTooManyPaths},
		{`{}`, [][]string{{}}, ErrBadPath},
		{`{}`, [][]string{{""}}, ErrBadPath},
		{`{}`, [][]string{make([]string, MaxPathNames+1)}, ErrBadPath},
		{`{}`, [][]string{{strings.Repeat("n", MaxPathName+1)}}, ErrBadPath},
		{`"just a string"`, [][]string{{"a"}}, nil},
	} {
		if _, err := Spans([]byte(c.doc), c.paths); !errors.Is(err, c.want) {
			t.Errorf("%.40q: %v, want %v", c.doc, err, c.want)
		}
	}
	many := `{"a":[` + strings.Repeat(`0,`, 10) + `0]` + strings.Repeat(`,"a":0`, MaxMatches) + `}`
	if _, err := Spans([]byte(many), [][]string{{"a"}}); !errors.Is(err, ErrTooManyMatches) {
		t.Errorf("too many matches: %v", err)
	}
}

// TestSpansMatchesDecoder: on random documents, the values Spans finds
// at each path are those encoding/json finds, in key order.
func TestSpansMatchesDecoder(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	keys := []string{"a", "b", "c", "é", "<"}
	var gen func(d int) any
	gen = func(d int) any {
		switch n := r.Intn(5); {
		case n < 2 && d < 4:
			m := map[string]any{}
			for range r.Intn(4) {
				m[keys[r.Intn(len(keys))]] = gen(d + 1)
			}
			return m
		case n == 2:
			return []any{float64(r.Intn(9)), "s"}
		default:
			return float64(r.Intn(100))
		}
	}
	paths := [][]string{{"a"}, {"*", "b"}, {"a", "*", "*"}, {"c", "a", "b"}, {"*"}}
	for range 2000 {
		v := gen(0)
		doc, _ := json.MarshalIndent(v, "", " ")
		got, err := Spans(doc, paths)
		if _, isObj := v.(map[string]any); err != nil {
			t.Fatalf("%s: %v", doc, err)
		} else if !isObj && len(got) != 0 {
			t.Fatalf("%s: matches in a non-object", doc)
		}
		var want []string
		var walk func(x any, p []string, pi int)
		walk = func(x any, p []string, pi int) {
			m, ok := x.(map[string]any)
			if !ok || len(p) == 0 {
				return
			}
			ks := make([]string, 0, len(m))
			for k := range m {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			for _, k := range ks {
				if p[0] == Wildcard || p[0] == k {
					if len(p) == 1 {
						b, _ := json.Marshal(m[k])
						want = append(want, fmt.Sprintf("%d %s", pi, b))
					}
					walk(m[k], p[1:], pi)
				}
			}
		}
		for i, p := range paths {
			walk(v, p, i)
		}
		var have []string
		for i := 0; i < len(got); i += 4 {
			var x any
			if err := json.Unmarshal(doc[got[i+2]:got[i+2]+got[i+3]], &x); err != nil {
				t.Fatalf("%s: span %d is no value: %v", doc, i/4, err)
			}
			b, _ := json.Marshal(x)
			have = append(have, fmt.Sprintf("%d %s", got[i], b))
		}
		sort.Strings(want)
		sort.Strings(have)
		if !reflect.DeepEqual(want, have) {
			t.Fatalf("%s:\n got %q\nwant %q", doc, have, want)
		}
	}
}

// FuzzSpans: no input panics, and every match lies inside the document
// with its name before its value.
func FuzzSpans(f *testing.F) {
	f.Add([]byte(`{"a":{"b":[1,{"c":2}],"\u0061":{"b":"x"}}}`))
	f.Add([]byte(`{"a":` + strings.Repeat("[", 70)))
	f.Fuzz(func(t *testing.T, doc []byte) {
		got, err := Spans(doc, [][]string{{"a"}, {"a", "*"}, {"*", "b"}})
		if err != nil {
			return
		}
		for i := 0; i < len(got); i += 4 {
			if got[i] > 2 || got[i+1] >= got[i+2] || int(got[i+2]+got[i+3]) > len(doc) {
				t.Fatalf("%q: match %v", doc, got[i:i+4])
			}
		}
	})
}
