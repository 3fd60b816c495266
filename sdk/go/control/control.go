package control

// Syntax: deb822 (https://manpages.debian.org/deb822, Debian Policy §5.1,
// https://www.debian.org/doc/debian-policy/ch-controlfields.html). A
// paragraph is a run of "Name: value" lines; a line starting with a space
// or tab continues the field above; paragraphs are separated by blank
// lines (lines of white space only count as blank); lines starting with
// '#' are comments. Field names are case-insensitive and appear at most
// once a paragraph.

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Errors of the parser; every error it returns wraps one of them.
var (
	// ErrSyntax: the input is not a well-formed paragraph.
	ErrSyntax = errors.New("control: syntax error")
	// ErrTooLarge: the input is larger than the caller's limit.
	ErrTooLarge = errors.New("control: input too large")
)

// MaxFields bounds the fields of one paragraph.
const MaxFields = 1000

// Field is one field of a paragraph. Value has the text after the colon
// trimmed of white space; each continuation line follows a newline as it
// stands in the input (leading white space kept), so rendering
// Name + ": " + Value reproduces the field.
type Field struct{ Name, Value string }

// Paragraph is one parsed paragraph: its fields in input order.
type Paragraph []Field

// Lookup returns the value of field name (compared case-insensitively)
// and whether the paragraph has it.
func (p Paragraph) Lookup(name string) (string, bool) {
	for _, f := range p {
		if strings.EqualFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

// Get returns the value of field name, "" when the paragraph lacks it.
func (p Paragraph) Get(name string) string {
	v, _ := p.Lookup(name)
	return v
}

// Parse reads data that must hold exactly one paragraph (blank lines
// around it are allowed), at most maxBytes long.
func Parse(data []byte, maxBytes int) (Paragraph, error) {
	ps, err := parse(data, maxBytes, 2)
	switch {
	case err != nil:
		return nil, err
	case len(ps) == 0:
		return nil, fmt.Errorf("%w: no paragraph", ErrSyntax)
	case len(ps) > 1:
		return nil, fmt.Errorf("%w: more than one paragraph", ErrSyntax)
	}
	return ps[0], nil
}

// ParseFirst reads the first paragraph of data, at most maxBytes long;
// what follows the blank line that ends it is not read.
func ParseFirst(data []byte, maxBytes int) (Paragraph, error) {
	ps, err := parse(data, maxBytes, 1)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("%w: no paragraph", ErrSyntax)
	}
	return ps[0], nil
}

// ParseAll reads every paragraph of data, at most maxBytes long.
func ParseAll(data []byte, maxBytes int) ([]Paragraph, error) {
	return parse(data, maxBytes, -1)
}

// parse reads up to most paragraphs (-1: all).
func parse(data []byte, maxBytes, most int) ([]Paragraph, error) {
	if len(data) > maxBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrTooLarge, maxBytes)
	}
	var out []Paragraph
	var cur Paragraph
	var seen map[string]bool // lower-cased names of cur, once it has many
	text := string(data)
	for n := 1; text != ""; n++ {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		line = strings.TrimSuffix(line, "\r")
		switch {
		case strings.TrimLeft(line, " \t") == "":
			if cur != nil {
				if out = append(out, cur); len(out) == most {
					return out, nil
				}
				cur, seen = nil, nil
			}
		case line[0] == '#':
		case line[0] == ' ' || line[0] == '\t':
			if cur == nil {
				return nil, fmt.Errorf("%w: line %d: continuation line without a field", ErrSyntax, n)
			}
			cur[len(cur)-1].Value += "\n" + line
		default:
			name, value, ok := strings.Cut(line, ":")
			if !ok || !validName(name) {
				return nil, fmt.Errorf("%w: line %d: not a \"Field: value\" line: %q", ErrSyntax, n, clip(line))
			}
			if len(cur) == MaxFields {
				return nil, fmt.Errorf("%w: line %d: more than %d fields", ErrTooLarge, n, MaxFields)
			}
			if seen == nil && len(cur) == 16 {
				seen = make(map[string]bool, 32)
				for _, f := range cur {
					seen[strings.ToLower(f.Name)] = true
				}
			}
			dup := false
			if seen != nil {
				lower := strings.ToLower(name)
				dup, seen[lower] = seen[lower], true
			} else {
				_, dup = cur.Lookup(name)
			}
			if dup {
				return nil, fmt.Errorf("%w: line %d: field %s repeated", ErrSyntax, n, name)
			}
			cur = append(cur, Field{Name: name, Value: strings.TrimSpace(value)})
		}
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out, nil
}

// validName reports whether s is a deb822 field name: printable US-ASCII
// but for the colon, not starting with '#' or '-'.
func validName(s string) bool {
	if s == "" || s[0] == '-' || s[0] == '#' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// Text is a multi-line value as text: each continuation line trimmed of
// white space, and a line "." standing for an empty line (the extended
// description's convention, Policy §5.6.13, and what R's read.dcf does).
func Text(value string) string {
	if !strings.Contains(value, "\n") {
		return value
	}
	lines := strings.Split(value, "\n")
	for i := 1; i < len(lines); i++ {
		if lines[i] = strings.TrimSpace(lines[i]); lines[i] == "." {
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// Want is a field a paragraph must have and the pattern its whole value
// must match (bound its length in the pattern).
type Want struct {
	Name    string
	Pattern *regexp.Regexp
}

// Require returns an error wrapping ErrSyntax for the first field of want
// that p lacks (or has empty) or whose value does not match.
func (p Paragraph) Require(want ...Want) error {
	for _, w := range want {
		v := p.Get(w.Name)
		if v == "" {
			return fmt.Errorf("%w: no %s field", ErrSyntax, w.Name)
		}
		if !w.Pattern.MatchString(v) {
			return fmt.Errorf("%w: invalid %s %q", ErrSyntax, w.Name, clip(v))
		}
	}
	return nil
}
