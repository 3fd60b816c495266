package maven

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// scanMetadata reads the elements of a maven-metadata.xml a merge needs
// with a small well-formedness-checking scanner: encoding/xml costs ten
// times more in the wasm runtime, and a merge reads every member's
// document. Elements, attributes' quoting, comments, processing
// instructions, CDATA and the five predefined and numeric entities are
// handled; a DOCTYPE (entity definitions) is refused.
// https://www.w3.org/TR/xml/
func scanMetadata(doc []byte) (*xmlMetadata, error) {
	var m xmlMetadata
	var stack []string
	path := ""
	var text []byte
	rootSeen := false
	i := 0
	for i < len(doc) {
		if doc[i] != '<' {
			j := bytes.IndexByte(doc[i:], '<')
			if j < 0 {
				j = len(doc) - i
			}
			chunk := doc[i : i+j]
			if len(stack) == 0 {
				if len(bytes.TrimSpace(chunk)) > 0 {
					return nil, errors.New("text outside the root element")
				}
			} else if err := appendText(&text, chunk); err != nil {
				return nil, err
			}
			i += j
			continue
		}
		rest := doc[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<?")):
			j := bytes.Index(rest, []byte("?>"))
			if j < 0 {
				return nil, errors.New("unterminated processing instruction")
			}
			i += j + 2
		case bytes.HasPrefix(rest, []byte("<!--")):
			j := bytes.Index(rest[4:], []byte("-->"))
			if j < 0 {
				return nil, errors.New("unterminated comment")
			}
			i += 4 + j + 3
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			j := bytes.Index(rest, []byte("]]>"))
			if j < 0 || len(stack) == 0 {
				return nil, errors.New("bad CDATA section")
			}
			text = append(text, rest[9:j]...)
			i += j + 3
		case bytes.HasPrefix(rest, []byte("<!")):
			return nil, errors.New("a DOCTYPE is not allowed")
		case bytes.HasPrefix(rest, []byte("</")):
			j := bytes.IndexByte(rest, '>')
			if j < 0 {
				return nil, errors.New("unterminated end tag")
			}
			name := string(bytes.TrimRight(rest[2:j], " \t\r\n"))
			if len(stack) == 0 || stack[len(stack)-1] != name {
				return nil, fmt.Errorf("unexpected end tag </%s>", name)
			}
			m.set(path, text)
			stack = stack[:len(stack)-1]
			path = path[:len(path)-len(name)-1]
			text = text[:0]
			i += j + 1
		default:
			end, selfClosing, err := tagEnd(rest)
			if err != nil {
				return nil, err
			}
			name := tagName(rest[1:end])
			if name == "" {
				return nil, errors.New("bad start tag")
			}
			if len(stack) == 0 {
				if rootSeen {
					return nil, errors.New("more than one root element")
				}
				if name != "metadata" {
					return nil, fmt.Errorf("root element <%s>, want <metadata>", name)
				}
				rootSeen = true
			}
			if len(stack) >= 16 {
				return nil, errors.New("elements nested too deep")
			}
			text = text[:0]
			if selfClosing {
				m.set(path+"/"+name, nil)
			} else {
				stack = append(stack, name)
				path += "/" + name
			}
			i += end + 1
		}
	}
	if !rootSeen || len(stack) > 0 {
		return nil, errors.New("no complete <metadata> element")
	}
	return &m, nil
}

// tagEnd finds the '>' closing the start tag at s[0] (outside quoted
// attribute values) and whether the tag closes itself.
func tagEnd(s []byte) (int, bool, error) {
	var quote byte
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '<':
			return 0, false, errors.New("'<' in a tag")
		case c == '>':
			return i, s[i-1] == '/', nil
		}
	}
	return 0, false, errors.New("unterminated start tag")
}

// tagName is the name of a start tag's content ("name attr=…" or "name/").
func tagName(s []byte) string {
	end := 0
	for end < len(s) && s[end] != ' ' && s[end] != '\t' && s[end] != '\r' && s[end] != '\n' && s[end] != '/' {
		end++
	}
	return string(s[:end])
}

// appendText appends character data with its entity references decoded.
func appendText(dst *[]byte, s []byte) error {
	for {
		j := bytes.IndexByte(s, '&')
		if j < 0 {
			*dst = append(*dst, s...)
			return nil
		}
		*dst = append(*dst, s[:j]...)
		s = s[j:]
		k := bytes.IndexByte(s, ';')
		if k < 0 || k > 12 {
			return errors.New("bad entity reference")
		}
		ref := string(s[1:k])
		switch ref {
		case "amp":
			*dst = append(*dst, '&')
		case "lt":
			*dst = append(*dst, '<')
		case "gt":
			*dst = append(*dst, '>')
		case "quot":
			*dst = append(*dst, '"')
		case "apos":
			*dst = append(*dst, '\'')
		default:
			num, ok := strings.CutPrefix(ref, "#")
			base := 10
			if h, ok2 := strings.CutPrefix(num, "x"); ok2 {
				num, base = h, 16
			}
			r, err := strconv.ParseUint(num, base, 32)
			if !ok || err != nil || !utf8.ValidRune(rune(r)) || r == 0 {
				return fmt.Errorf("unknown entity &%s;", ref)
			}
			*dst = utf8.AppendRune(*dst, rune(r))
		}
		s = s[k+1:]
	}
}

// set records the text of the element at path.
func (m *xmlMetadata) set(path string, text []byte) {
	v := strings.TrimSpace(string(text))
	switch path {
	case "/metadata/groupId":
		m.GroupID = v
	case "/metadata/artifactId":
		m.ArtifactID = v
	case "/metadata/version":
		m.Version = v
	case "/metadata/versioning/versions/version":
		m.Versioning.Versions = append(m.Versioning.Versions, v)
	case "/metadata/versioning/lastUpdated":
		m.Versioning.LastUpdated = v
	case "/metadata/versioning/snapshot/timestamp":
		m.Versioning.Timestamp = v
	case "/metadata/versioning/snapshot/buildNumber":
		m.Versioning.BuildNumber, _ = strconv.Atoi(v)
	case "/metadata/versioning/snapshotVersions/snapshotVersion":
		m.Versioning.SnapshotVersions++
	case "/metadata/plugins/plugin":
		m.Plugins = append(m.Plugins, m.plugin)
		m.plugin = xmlPlugin{}
	case "/metadata/plugins/plugin/name":
		m.plugin.Name = v
	case "/metadata/plugins/plugin/prefix":
		m.plugin.Prefix = v
	case "/metadata/plugins/plugin/artifactId":
		m.plugin.ArtifactID = v
	}
}
