package helm

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// fastYAML reads the block-style YAML index writers emit (helm,
// ChartMuseum, Keeper itself: indented mappings and sequences, plain,
// quoted and literal scalars, comments) into yaml.Node trees several times
// faster than yaml.v3, whose parser costs seconds for a large index in the
// wasm runtime. ok is false for anything else (flow collections, anchors,
// tags, folded scalars, multi-line quoted scalars, tabs, several documents,
// any doubt): the caller then parses with yaml.v3, so the subset read here
// only ever agrees with it (FuzzFastYAML checks that).
func fastYAML(doc []byte) (*yaml.Node, bool) {
	if !printable(doc) {
		return nil, false
	}
	p := fastParser{lines: bytes.Split(doc, []byte{'\n'})}
	p.skip()
	if p.i < len(p.lines) && string(bytes.TrimRight(p.lines[p.i], " \r")) == "---" {
		p.i++
		p.skip()
	}
	if p.i >= len(p.lines) {
		return nil, false
	}
	ind, _ := p.indent()
	if ind != 0 {
		return nil, false
	}
	root, ok := p.block(0, 0)
	p.skip()
	if !ok || p.i != len(p.lines) {
		return nil, false
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}, true
}

// printable reports whether doc is UTF-8 of YAML's printable characters,
// with no tab, carriage return or byte order mark (left to yaml.v3).
// https://yaml.org/spec/1.2.2/#51-character-set
func printable(doc []byte) bool {
	for i := 0; i < len(doc); {
		c := doc[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(doc[i:])
		if r == utf8.RuneError || !(r == 0x85 || r >= 0xA0 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD && r != 0xFEFF || r >= 0x10000) {
			return false
		}
		i += n
	}
	return true
}

type fastParser struct {
	lines [][]byte
	i     int
}

// skip passes blank and comment-only lines.
func (p *fastParser) skip() {
	for p.i < len(p.lines) {
		t := bytes.TrimLeft(bytes.TrimRight(p.lines[p.i], " \r"), " ")
		if len(t) != 0 && t[0] != '#' {
			return
		}
		p.i++
	}
}

// indent is the current line's indentation and content (no '\r', no trailing spaces).
func (p *fastParser) indent() (int, []byte) {
	l := bytes.TrimRight(p.lines[p.i], " \r")
	n := 0
	for n < len(l) && l[n] == ' ' {
		n++
	}
	return n, l[n:]
}

// block reads the mapping or sequence starting at the current line, whose
// lines are indented ind.
func (p *fastParser) block(ind, depth int) (*yaml.Node, bool) {
	if depth > 64 || p.i >= len(p.lines) {
		return nil, false
	}
	_, line := p.indent()
	if line[0] == '-' && (len(line) == 1 || line[1] == ' ') {
		return p.sequence(ind, depth)
	}
	return p.mapping(ind, depth, nil)
}

func (p *fastParser) sequence(ind, depth int) (*yaml.Node, bool) {
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for {
		p.skip()
		if p.i >= len(p.lines) {
			return seq, true
		}
		n, line := p.indent()
		if n < ind || !(line[0] == '-' && (len(line) == 1 || line[1] == ' ')) {
			if n > ind {
				return nil, false
			}
			return seq, true
		}
		if n > ind || strings.ContainsRune(string(line), '\t') {
			return nil, false
		}
		rest := bytes.TrimLeft(line[1:], " ")
		var item *yaml.Node
		var ok bool
		switch {
		case len(rest) == 0:
			p.i++
			p.skip()
			if p.i >= len(p.lines) {
				return nil, false
			}
			cn, _ := p.indent()
			if cn <= ind {
				return nil, false // an empty item: null, left to yaml.v3
			}
			item, ok = p.block(cn, depth+1)
		case isKeyLine(rest):
			// "- key: value": a mapping whose lines are indented like key.
			item, ok = p.mapping(ind+len(line)-len(rest), depth+1, rest)
		default:
			item, ok = p.scalarLine(rest, ind)
		}
		if !ok {
			return nil, false
		}
		seq.Content = append(seq.Content, item)
	}
}

// mapping reads key lines indented ind; first is the content of a first
// line that began after "- ".
func (p *fastParser) mapping(ind, depth int, first []byte) (*yaml.Node, bool) {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	var seen map[string]bool
	for {
		var line []byte
		if first != nil {
			line, first = first, nil
		} else {
			p.skip()
			if p.i >= len(p.lines) {
				return m, true
			}
			var n int
			n, line = p.indent()
			if n < ind {
				return m, true
			}
			if n > ind {
				return nil, false
			}
		}
		if bytes.IndexByte(line, '\t') >= 0 {
			return nil, false
		}
		key, rest, ok := splitKey(line)
		if !ok {
			return nil, false
		}
		if seen[key] {
			return nil, false // a duplicate key: left to yaml.v3
		}
		if len(m.Content) < 32 {
			for j := 0; j < len(m.Content); j += 2 {
				if m.Content[j].Value == key {
					return nil, false
				}
			}
		} else {
			if seen == nil {
				seen = map[string]bool{}
				for j := 0; j < len(m.Content); j += 2 {
					seen[m.Content[j].Value] = true
				}
			}
			seen[key] = true
		}
		kn := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
		var v *yaml.Node
		if len(rest) == 0 {
			p.i++
			p.skip()
			if p.i >= len(p.lines) {
				return nil, false
			}
			cn, cl := p.indent()
			isSeq := cl[0] == '-' && (len(cl) == 1 || cl[1] == ' ')
			if cn < ind || (cn == ind && !isSeq) {
				return nil, false // a null value: left to yaml.v3
			}
			v, ok = p.block(cn, depth+1)
		} else {
			v, ok = p.scalarLine(rest, ind)
		}
		if !ok {
			return nil, false
		}
		m.Content = append(m.Content, kn, v)
	}
}

// isKeyLine reports whether s starts a "key: value" entry.
func isKeyLine(s []byte) bool {
	_, _, ok := splitKey(s)
	return ok
}

// splitKey splits a plain key line ("key: value" or "key:"); quoted and
// special keys are left to yaml.v3.
func splitKey(s []byte) (string, []byte, bool) {
	if len(s) == 0 || strings.IndexByte(`-?:,[]{}#&*!|>'"%@`+"`", s[0]) >= 0 {
		return "", nil, false
	}
	i := bytes.Index(s, []byte(": "))
	if i < 0 {
		if s[len(s)-1] != ':' {
			return "", nil, false
		}
		i = len(s) - 1
	}
	key := string(s[:i])
	if len(key) > 512 { // YAML caps implicit keys at 1024 characters
		return "", nil, false
	}
	if strings.Contains(key, " #") || strings.HasSuffix(key, " ") || plainTag(key) != "!!str" {
		return "", nil, false
	}
	return key, bytes.TrimLeft(s[i+1:], " "), true
}

// scalarLine reads the scalar value starting in rest on the current line
// (entry indented ind), and any continuation lines.
func (p *fastParser) scalarLine(rest []byte, ind int) (*yaml.Node, bool) {
	p.i++
	switch rest[0] {
	case '"':
		end := closingQuote(rest)
		if end < 0 || !onlyComment(rest[end+1:]) {
			return nil, false
		}
		if !sameEscapes(rest[1:end]) {
			return nil, false
		}
		v, err := strconv.Unquote(string(rest[:end+1]))
		if err != nil {
			return nil, false
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.DoubleQuotedStyle, Value: v}, true
	case '\'':
		s := string(rest[1:])
		var b strings.Builder
		for {
			j := strings.IndexByte(s, '\'')
			if j < 0 {
				return nil, false
			}
			b.WriteString(s[:j])
			if j+1 < len(s) && s[j+1] == '\'' {
				b.WriteByte('\'')
				s = s[j+2:]
				continue
			}
			if !onlyComment([]byte(s[j+1:])) {
				return nil, false
			}
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.SingleQuotedStyle, Value: b.String()}, true
		}
	case '|':
		return p.literal(rest, ind)
	case '[', '{':
		switch string(rest) {
		case "[]":
			return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}, true
		case "{}":
			return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle}, true
		}
		return nil, false
	}
	if strings.IndexByte(`-?:,[]{}#&*!|>%@`+"`", rest[0]) >= 0 && !(rest[0] == '-' && len(rest) > 1 && rest[1] != ' ') {
		return nil, false
	}
	v := string(rest)
	if i := strings.Index(v, " #"); i >= 0 {
		v = strings.TrimRight(v[:i], " ")
	}
	if strings.Contains(v, ": ") || strings.HasSuffix(v, ":") {
		return nil, false
	}
	// Continuation lines (more indented than the entry) fold into the value.
	for p.i < len(p.lines) {
		n, l := p.indent()
		if len(l) == 0 {
			save := p.i
			p.skip()
			more := p.i < len(p.lines)
			if more {
				n, _ = p.indent()
			}
			p.i = save
			if more && n > ind {
				return nil, false // blank lines inside a plain scalar: left to yaml.v3
			}
			break
		}
		if n <= ind {
			break
		}
		if l[0] == '#' || bytes.Contains(l, []byte(": ")) || bytes.Contains(l, []byte(" #")) || bytes.HasSuffix(l, []byte(":")) {
			return nil, false
		}
		v += " " + string(l)
		p.i++
	}
	tag := plainTag(v)
	if tag == "?" || tag == "!!merge" {
		return nil, false
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v}, true
}

// literal reads a "|", "|-" or "|+" block scalar.
func (p *fastParser) literal(head []byte, ind int) (*yaml.Node, bool) {
	chomp := string(bytes.TrimRight(head[1:], " "))
	if chomp != "" && chomp != "-" {
		return nil, false
	}
	var lines []string
	block := -1
	for p.i < len(p.lines) {
		l := bytes.TrimRight(p.lines[p.i], "\r")
		t := bytes.TrimLeft(l, " ")
		n := len(l) - len(t)
		if len(bytes.TrimRight(t, " ")) == 0 {
			if len(l) > 0 {
				return nil, false // spaces-only lines in a literal: left to yaml.v3
			}
			lines = append(lines, "")
			p.i++
			continue
		}
		if block < 0 {
			if n <= ind {
				break
			}
			block = n
		}
		if n < block {
			break
		}
		if bytes.IndexByte(l, '\t') >= 0 {
			return nil, false
		}
		lines = append(lines, string(l[block:]))
		p.i++
	}
	if block < 0 || p.i == len(p.lines) && len(lines) > 0 && lines[len(lines)-1] != "" {
		return nil, false // no line break after the last line: left to yaml.v3
	}
	// Trailing blank lines belong to the chomping, not the content.
	trail := 0
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines, trail = lines[:len(lines)-1], trail+1
	}
	p.i -= trail
	p.skip()
	v := strings.Join(lines, "\n")
	if chomp == "" {
		v += "\n"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.LiteralStyle, Value: v}, true
}

// sameEscapes reports whether every escape in s means the same to Go's
// strconv.Unquote and to YAML (not octal, \x, or YAML-only ones).
func sameEscapes(s []byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			if i+1 >= len(s) || strings.IndexByte(`\"ntrbfuUav`, s[i+1]) < 0 {
				return false
			}
			i++
		}
	}
	return true
}

func closingQuote(s []byte) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

func onlyComment(s []byte) bool {
	t := bytes.TrimLeft(s, " ")
	return len(t) == 0 || (t[0] == '#' && len(t) < len(s))
}

// floatRe is yaml.v3's test for a plain float.
var floatRe = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// plainTag resolves a plain scalar as yaml.v3 does (resolve.go): null and
// boolean words, integers as strconv reads them with base 0, floats by its
// pattern; "?" for what may be a timestamp (and .inf-style words), which
// the caller leaves to yaml.v3; a string otherwise.
func plainTag(v string) string {
	switch v {
	case "", "~", "null", "Null", "NULL":
		return "!!null"
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return "!!bool"
	case "<<":
		return "!!merge"
	}
	switch c := v[0]; {
	case c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.':
		if strings.Contains(v, "_") {
			return "?" // yaml.v3 drops underscores first
		}
		if _, err := strconv.ParseInt(v, 0, 64); err == nil {
			return "!!int"
		}
		if _, err := strconv.ParseUint(v, 0, 64); err == nil {
			return "!!int"
		}
		if floatRe.MatchString(v) {
			return "!!float"
		}
		if c == '.' || strings.ContainsAny(v[:min(len(v), 6)], "-") && len(v) >= 5 && digitsOnly(v[:4]) || strings.HasPrefix(v, "0b") || strings.HasPrefix(v, "-0b") || strings.HasPrefix(v, "+") {
			return "?"
		}
	}
	return "!!str"
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
