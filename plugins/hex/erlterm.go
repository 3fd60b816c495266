package hex

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// A parser of the Erlang term file metadata.config inside a Hex tarball
// (a sequence of `Term.` as file:consult/1 reads them):
// https://github.com/hexpm/specifications/blob/main/package_tarball.md
// Only the data terms metadata uses: tuples, lists, maps, binaries
// (<<"text">> and <<1,2>>), strings, atoms, integers and floats. Bounded
// in size and depth.

// term is a parsed Erlang term: string (binary, string or atom), int64,
// float64, bool (the atoms true/false), []term (list), tuple or map.
type term any

type tuple []term

type erlMap []struct{ K, V term }

const (
	maxTermBytes = 1 << 20
	maxTermDepth = 32
	maxTermItems = 100_000
)

var errTerm = errors.New("malformed Erlang term")

type termParser struct {
	s     string
	i     int
	items int
}

// parseTerms reads every `Term.` of src.
func parseTerms(src []byte) ([]term, error) {
	if len(src) > maxTermBytes {
		return nil, fmt.Errorf("metadata.config is larger than %d bytes", maxTermBytes)
	}
	p := &termParser{s: string(src)}
	var out []term
	for {
		p.space()
		if p.i == len(p.s) {
			return out, nil
		}
		t, err := p.term(0)
		if err != nil {
			return nil, err
		}
		p.space()
		if !p.eat('.') {
			return nil, fmt.Errorf("%w: missing '.' at offset %d", errTerm, p.i)
		}
		out = append(out, t)
	}
}

func (p *termParser) space() {
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			p.i++
		case c == '%':
			for p.i < len(p.s) && p.s[p.i] != '\n' {
				p.i++
			}
		default:
			return
		}
	}
}

func (p *termParser) eat(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *termParser) fail(what string) error {
	return fmt.Errorf("%w: %s at offset %d", errTerm, what, p.i)
}

func (p *termParser) term(depth int) (term, error) {
	if depth > maxTermDepth {
		return nil, p.fail("nested too deep")
	}
	if p.items++; p.items > maxTermItems {
		return nil, p.fail("too many terms")
	}
	p.space()
	if p.i == len(p.s) {
		return nil, p.fail("unexpected end")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		items, err := p.seq('}', depth)
		return tuple(items), err
	case c == '[':
		p.i++
		items, err := p.seq(']', depth)
		if items == nil {
			items = []term{}
		}
		return items, err
	case c == '#':
		p.i++
		if !p.eat('{') {
			return nil, p.fail("expected '{' after '#'")
		}
		return p.mapBody(depth)
	case strings.HasPrefix(p.s[p.i:], "<<"):
		p.i += 2
		return p.binary()
	case c == '"':
		return p.quoted('"')
	case c == '\'':
		return p.quoted('\'')
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c >= 'a' && c <= 'z':
		j := p.i
		for j < len(p.s) && (isAlnum(p.s[j]) || p.s[j] == '_' || p.s[j] == '@') {
			j++
		}
		a := p.s[p.i:j]
		p.i = j
		switch a {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return a, nil
	}
	return nil, p.fail("unexpected character")
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *termParser) seq(end byte, depth int) ([]term, error) {
	var items []term
	if p.eat(end) {
		return items, nil
	}
	for {
		t, err := p.term(depth + 1)
		if err != nil {
			return nil, err
		}
		items = append(items, t)
		if p.eat(end) {
			return items, nil
		}
		if !p.eat(',') {
			return nil, p.fail("expected ',' or '" + string(end) + "'")
		}
	}
}

func (p *termParser) mapBody(depth int) (term, error) {
	var m erlMap
	if p.eat('}') {
		return m, nil
	}
	for {
		k, err := p.term(depth + 1)
		if err != nil {
			return nil, err
		}
		p.space()
		if !strings.HasPrefix(p.s[p.i:], "=>") {
			return nil, p.fail("expected '=>'")
		}
		p.i += 2
		v, err := p.term(depth + 1)
		if err != nil {
			return nil, err
		}
		m = append(m, struct{ K, V term }{k, v})
		if p.eat('}') {
			return m, nil
		}
		if !p.eat(',') {
			return nil, p.fail("expected ',' or '}'")
		}
	}
}

// binary reads the rest of <<"text">>, <<"a","b">>, <<1,2,3>> or <<>>.
func (p *termParser) binary() (term, error) {
	var b strings.Builder
	if p.eat('>') {
		if !p.eat('>') {
			return nil, p.fail("expected '>>'")
		}
		return "", nil
	}
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '"' {
			s, err := p.quoted('"')
			if err != nil {
				return nil, err
			}
			b.WriteString(s.(string))
		} else {
			n, err := p.number()
			if err != nil {
				return nil, err
			}
			v, ok := n.(int64)
			if !ok || v < 0 || v > 255 {
				return nil, p.fail("binary segment out of range")
			}
			b.WriteByte(byte(v))
		}
		if p.eat('>') {
			if !p.eat('>') {
				return nil, p.fail("expected '>>'")
			}
			return b.String(), nil
		}
		if !p.eat(',') {
			return nil, p.fail("expected ',' or '>>'")
		}
	}
}

// quoted reads a "string" or 'atom' with Erlang's common escapes.
func (p *termParser) quoted(q byte) (term, error) {
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch {
		case c == q:
			return b.String(), nil
		case c == '\\':
			if p.i == len(p.s) {
				return nil, p.fail("unterminated escape")
			}
			e := p.s[p.i]
			p.i++
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 's':
				b.WriteByte(' ')
			case 'e':
				b.WriteByte(27)
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return nil, p.fail("unterminated string")
}

func (p *termParser) number() (term, error) {
	j := p.i
	if j < len(p.s) && p.s[j] == '-' {
		j++
	}
	start := j
	for j < len(p.s) && (p.s[j] >= '0' && p.s[j] <= '9' || p.s[j] == '.' || p.s[j] == 'e' || p.s[j] == 'E' ||
		(p.s[j] == '-' || p.s[j] == '+') && j > start && (p.s[j-1] == 'e' || p.s[j-1] == 'E')) {
		// A '.' followed by no digit ends the term, not the number.
		if p.s[j] == '.' && (j+1 == len(p.s) || p.s[j+1] < '0' || p.s[j+1] > '9') {
			break
		}
		j++
	}
	txt := p.s[p.i:j]
	if j == start {
		return nil, p.fail("expected a number")
	}
	p.i = j
	if strings.ContainsAny(txt, ".eE") {
		f, err := strconv.ParseFloat(txt, 64)
		if err != nil {
			return nil, p.fail("bad float")
		}
		return f, nil
	}
	n, err := strconv.ParseInt(txt, 10, 64)
	if err != nil {
		return nil, p.fail("bad integer")
	}
	return n, nil
}

// proplist turns a list of 2-tuples (or a map) into key/value pairs with
// string keys; ok is false for anything else.
func proplist(t term) ([]struct {
	K string
	V term
}, bool) {
	var out []struct {
		K string
		V term
	}
	add := func(k, v term) bool {
		ks, ok := k.(string)
		if !ok {
			return false
		}
		out = append(out, struct {
			K string
			V term
		}{ks, v})
		return true
	}
	switch v := t.(type) {
	case erlMap:
		for _, kv := range v {
			if !add(kv.K, kv.V) {
				return nil, false
			}
		}
		return out, true
	case []term:
		for _, e := range v {
			tp, ok := e.(tuple)
			if !ok || len(tp) != 2 || !add(tp[0], tp[1]) {
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}
