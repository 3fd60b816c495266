package huggingface

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxCard bounds the part of README.md read for the model card.
const maxCard = 64 << 10

// card is what a model card (README.md: YAML front matter between "---"
// lines, then Markdown: the hub's model card format, as huggingface_hub's
// repocard.py splits it) says.
type card struct {
	Data        map[string]any
	Tags        []string
	Description string
}

// parseCard reads the front matter of a README.md (a README without one is
// a card without data). Anchors and aliases are refused, so no document
// expands beyond its size.
func parseCard(doc []byte) (card, error) {
	doc = bytes.TrimPrefix(doc, []byte("\ufeff"))
	text := strings.ReplaceAll(string(doc), "\r\n", "\n")
	if !strings.HasPrefix(text, "---\n") {
		return card{Description: firstParagraph(text)}, nil
	}
	front, body, ok := strings.Cut(text[4:], "\n---")
	if !ok {
		return card{}, errors.New("README.md front matter has no closing --- line")
	}
	if len(front) > maxCard {
		return card{}, errors.New("README.md front matter is larger than 64 KiB")
	}
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(front), &root); err != nil {
		return card{}, fmt.Errorf("README.md front matter is not valid YAML: %v", err)
	}
	c := card{Description: firstParagraph(strings.TrimPrefix(body, "\n"))}
	if len(root.Content) == 0 {
		return c, nil
	}
	if len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return card{}, errors.New("README.md front matter is not a YAML mapping")
	}
	if hasAlias(&root, 0) {
		return card{}, errors.New("README.md front matter uses anchors or aliases, or nests deeper than 32 levels")
	}
	var m map[string]any
	if err := root.Decode(&m); err != nil {
		return card{}, fmt.Errorf("README.md front matter: %v", err)
	}
	if _, err := json.Marshal(m); err != nil {
		return card{}, fmt.Errorf("README.md front matter cannot be served as JSON: %v", err)
	}
	c.Data = m
	c.Tags = cardTags(m)
	return c, nil
}

// cardTags are the card's tags as the hub lists them on a model: its tags,
// library, "license:", "dataset:" and language entries.
func cardTags(m map[string]any) []string {
	var out []string
	seen := map[string]bool{}
	add := func(prefix string, v any) {
		var vs []any
		switch t := v.(type) {
		case string:
			vs = []any{t}
		case []any:
			vs = t
		}
		for _, x := range vs {
			if s, ok := x.(string); ok && s != "" && len(s) <= 100 && !seen[prefix+s] && len(out) < 100 {
				seen[prefix+s] = true
				out = append(out, prefix+s)
			}
		}
	}
	add("", m["library_name"])
	add("", m["tags"])
	add("", m["language"])
	add("license:", m["license"])
	add("dataset:", m["datasets"])
	return out
}

func hasAlias(n *yaml.Node, depth int) bool {
	if depth > 32 || n.Kind == yaml.AliasNode || n.Anchor != "" {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c, depth+1) {
			return true
		}
	}
	return false
}

// firstParagraph is the first Markdown paragraph that is no heading, at
// most 500 bytes: the model's description in search.
func firstParagraph(md string) string {
	for _, p := range strings.Split(md, "\n\n") {
		p = strings.TrimSpace(p)
		if p == "" || strings.HasPrefix(p, "#") || strings.HasPrefix(p, "<") || strings.HasPrefix(p, "---") {
			continue
		}
		p = strings.Join(strings.Fields(p), " ")
		if len(p) > 500 {
			p = p[:500]
		}
		return strings.ToValidUTF8(p, "")
	}
	return ""
}
