package pub

import (
	"encoding/json"
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"
)

// maxPubspec bounds pubspec.yaml (pub.dev's own limit is 128 KiB).
const maxPubspec = 128 << 10

// pubspec is what the plugin needs of pubspec.yaml, and the whole document
// as JSON for the listings.
type pubspec struct {
	Name, Version string
	JSON          []byte
}

// parsePubspec reads pubspec.yaml (https://dart.dev/tools/pub/pubspec):
// a mapping with a string name and version; anchors and aliases are
// refused, so no document expands beyond its size.
func parsePubspec(doc []byte) (pubspec, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return pubspec{}, fmt.Errorf("pubspec.yaml is not valid YAML: %v", err)
	}
	if len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return pubspec{}, errors.New("pubspec.yaml is not a mapping")
	}
	if hasAlias(&root, 0) {
		return pubspec{}, errors.New("pubspec.yaml uses anchors or aliases, or nests deeper than 64 levels")
	}
	var m map[string]any
	if err := root.Decode(&m); err != nil {
		return pubspec{}, fmt.Errorf("pubspec.yaml: %v", err)
	}
	name, version := scalar(root.Content[0], "name"), scalar(root.Content[0], "version")
	if name == "" || version == "" {
		return pubspec{}, errors.New("pubspec.yaml must have a name and a version")
	}
	js, err := json.Marshal(m)
	if err != nil {
		return pubspec{}, fmt.Errorf("pubspec.yaml cannot be served as JSON: %v", err)
	}
	return pubspec{Name: name, Version: version, JSON: js}, nil
}

func hasAlias(n *yaml.Node, depth int) bool {
	if depth > 64 || n.Kind == yaml.AliasNode || n.Anchor != "" {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c, depth+1) {
			return true
		}
	}
	return false
}

// scalar is the text of a top-level scalar value ("" when absent or not a
// scalar), so `version: 1.0` is read as written, not as a number.
func scalar(m *yaml.Node, key string) string {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i+1].Kind == yaml.ScalarNode {
			return m.Content[i+1].Value
		}
	}
	return ""
}
