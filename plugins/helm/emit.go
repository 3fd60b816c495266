package helm

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// appendNode writes a YAML node tree in block style: every string scalar
// and every mapping key double-quoted (Go's quoting uses only escapes YAML
// double-quoted scalars share, as RenderIndex relies on), other scalars
// plain when they are plain words, comments dropped. yaml.v3's own encoder
// costs several times the parse, which a merge or rewrite of a large
// index cannot afford in the wasm runtime.
func appendNode(b []byte, n *yaml.Node, indent int) []byte {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			b = appendNode(b, c, indent)
		}
		return b
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			return append(b, "{}\n"...)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b = appendIndent(b, indent)
			}
			b = appendKey(b, n.Content[i].Value)
			b = append(b, ':')
			b = appendValue(b, n.Content[i+1], indent, false)
		}
		return b
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return append(b, "[]\n"...)
		}
		for i, c := range n.Content {
			if i > 0 {
				b = appendIndent(b, indent)
			}
			b = append(b, '-')
			b = appendValue(b, c, indent, true)
		}
		return b
	}
	return append(appendScalar(b, n), '\n')
}

// appendValue writes the value after "key:" or "-": inline when it is a
// scalar or empty (or a mapping in a sequence, "- key: value"), else on
// the next lines, two spaces in.
func appendValue(b []byte, v *yaml.Node, indent int, item bool) []byte {
	if v.Kind == yaml.ScalarNode || len(v.Content) == 0 || (item && v.Kind == yaml.MappingNode) {
		b = append(b, ' ')
		return appendNode(b, v, indent+2)
	}
	b = append(b, '\n')
	b = appendIndent(b, indent+2)
	return appendNode(b, v, indent+2)
}

func appendIndent(b []byte, n int) []byte {
	for range n {
		b = append(b, ' ')
	}
	return b
}

// appendScalar writes a scalar: a string quoted; a number, boolean or null
// as yaml.v3 resolved it, when it is a plain word, else quoted too.
func appendScalar(b []byte, n *yaml.Node) []byte {
	switch n.ShortTag() {
	case "!!null":
		return append(b, "null"...)
	case "!!int", "!!float", "!!bool":
		if plainWord(n.Value) {
			return append(b, n.Value...)
		}
	}
	return strconv.AppendQuote(b, n.Value)
}

// appendKey writes a mapping key: plain when it is a name no YAML
// resolver reads as another type, else quoted.
func appendKey(b []byte, k string) []byte {
	if k != "" && (k[0] >= 'a' && k[0] <= 'z' || k[0] >= 'A' && k[0] <= 'Z') && plainWord(strings.ReplaceAll(k, "/", "_")) && !strings.Contains(k, "+") {
		switch strings.ToLower(k) {
		case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		default:
			return append(b, k...)
		}
	}
	return strconv.AppendQuote(b, k)
}

func plainWord(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '.' || r == '-' || r == '+' || r == '_')
	})
}
