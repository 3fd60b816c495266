package incus

import (
	"strings"
)

// imageMeta is what the plugin reads of an image's metadata.yaml
// (https://linuxcontainers.org/incus/docs/main/reference/image_format/):
// the top-level architecture and creation_date, and the properties map.
type imageMeta struct {
	Architecture string
	CreationDate string
	Properties   map[string]string
}

// parseMetaYAML reads the flat subset of YAML metadata.yaml uses: scalar
// top-level keys and the one-level "properties" map; deeper blocks
// (templates) are skipped. It never fails: missing fields are checked by
// the caller.
func parseMetaYAML(src []byte) imageMeta {
	m := imageMeta{Properties: map[string]string{}}
	section, propIndent := "", -1
	for _, line := range strings.Split(string(src), "\n") {
		line = strings.TrimRight(line, "\r \t")
		trimmed := strings.TrimLeft(line, " ")
		if trimmed == "" || trimmed[0] == '#' || trimmed == "---" {
			continue
		}
		indent := len(line) - len(trimmed)
		key, val, ok := strings.Cut(trimmed, ":")
		if !ok {
			continue
		}
		key, val = unquote(strings.TrimSpace(key)), unquote(strings.TrimSpace(val))
		if indent == 0 {
			section, propIndent = key, -1
			switch key {
			case "architecture":
				m.Architecture = val
			case "creation_date":
				m.CreationDate = val
			}
			continue
		}
		if section != "properties" {
			continue
		}
		if propIndent < 0 {
			propIndent = indent
		}
		if indent == propIndent && len(m.Properties) < 64 {
			m.Properties[key] = val
		}
	}
	return m
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	if i := strings.Index(s, " #"); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}
