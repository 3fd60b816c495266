package control

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestParseParagraph(t *testing.T) {
	in := "# comment\r\nPackage: hello\r\nVersion:1.0-1 \nDepends: libc6 (>= 2.34),\n  zlib1g\nDescription: greets\n the world\n .\n\tagain\n\n\n"
	p, err := Parse([]byte(in), 1<<10)
	if err != nil {
		t.Fatal(err)
	}
	want := Paragraph{{"Package", "hello"}, {"Version", "1.0-1"}, {"Depends", "libc6 (>= 2.34),\n  zlib1g"},
		{"Description", "greets\n the world\n .\n\tagain"}}
	if !slices.Equal(p, want) {
		t.Fatalf("got %q\nwant %q", p, want)
	}
	if p.Get("depends") != want[2].Value || p.Get("Missing") != "" {
		t.Errorf("Get is not case-insensitive or finds a missing field")
	}
	if _, ok := p.Lookup("VERSION"); !ok {
		t.Errorf("Lookup VERSION failed")
	}
	if got := Text(p.Get("Description")); got != "greets\nthe world\n\nagain" {
		t.Errorf("Text = %q", got)
	}
}

func TestParseRejects(t *testing.T) {
	for _, c := range []struct {
		in   string
		want error
	}{
		{"", ErrSyntax},
		{"\n \n", ErrSyntax},
		{" cont\nA: b\n", ErrSyntax},
		{"A: b\n\nB: c\n", ErrSyntax},
		{"A: b\nno colon\n", ErrSyntax},
		{"A: b\n-X: c\n", ErrSyntax},
		{"A b: c\n", ErrSyntax},
		{"\xffA: c\n", ErrSyntax},
		{"A: b\na: c\n", ErrSyntax},
		{strings.Repeat("A: b\n", 300), ErrTooLarge},
	} {
		if _, err := Parse([]byte(c.in), 1<<10); !errors.Is(err, c.want) {
			t.Errorf("%q: err %v, want %v", c.in, err, c.want)
		}
	}
}

func TestParseAllAndFirst(t *testing.T) {
	in := "A: 1\nB: x\n\n \nA: 2\n\nA: 3\n"
	ps, err := ParseAll([]byte(in), 1<<10)
	if err != nil || len(ps) != 3 || ps[1].Get("A") != "2" || ps[2].Get("A") != "3" {
		t.Fatalf("ParseAll = %q, %v", ps, err)
	}
	p, err := ParseFirst([]byte(in+"garbage\n"), 1<<10)
	if err != nil || len(p) != 2 {
		t.Fatalf("ParseFirst = %q, %v", p, err)
	}
	if _, err := ParseAll([]byte(in+"garbage\n"), 1<<10); !errors.Is(err, ErrSyntax) {
		t.Errorf("ParseAll read garbage: %v", err)
	}
}

func TestFieldLimitsAndRepeatsInLargeParagraphs(t *testing.T) {
	var b strings.Builder
	for i := range MaxFields {
		fmt.Fprintf(&b, "F%d: v\n", i)
	}
	if p, err := Parse([]byte(b.String()), 1<<20); err != nil || len(p) != MaxFields {
		t.Fatalf("%d fields: %v", len(p), err)
	}
	if _, err := Parse([]byte(b.String()+"f7: again\n"), 1<<20); !errors.Is(err, ErrTooLarge) {
		t.Errorf("field %d: err %v", MaxFields+1, err)
	}
	if _, err := Parse([]byte(b.String()[:200]+"f3: again\n"), 1<<20); !errors.Is(err, ErrSyntax) {
		t.Errorf("repeat after 16 fields: err %v", err)
	}
}

func FuzzParseAll(f *testing.F) {
	f.Add([]byte("Package: a\nDescription: x\n y\n\nPackage: b\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, err := ParseAll(b, 1<<16)
		if err != nil {
			return
		}
		for _, p := range ps {
			for _, fl := range p {
				if !validName(fl.Name) || strings.Contains(fl.Name, ":") {
					t.Fatalf("field name %q", fl.Name)
				}
			}
		}
	})
}

func TestRequire(t *testing.T) {
	p := Paragraph{{Name: "Package", Value: "hello"}, {Name: "Version", Value: "1 0"}}
	name := Want{"Package", regexp.MustCompile(`^[a-z]{2,8}$`)}
	if err := p.Require(name); err != nil {
		t.Fatal(err)
	}
	for want, w := range map[string]Want{
		`invalid Version "1 0"`: {"Version", regexp.MustCompile(`^[0-9.]+$`)},
		"no Architecture field": {"Architecture", regexp.MustCompile(`.`)},
	} {
		if err := p.Require(name, w); !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), want) {
			t.Errorf("err %v, want %q", err, want)
		}
	}
}
