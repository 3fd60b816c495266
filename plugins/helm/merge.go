package helm

import (
	"fmt"
	"slices"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"gopkg.in/yaml.v3"
)

var _ sdk.Merger = Plugin{}

// now is the clock of a merged index's generated field (tests replace it).
var now = time.Now

// Merge implements sdk.Merger for virtual repositories: the index.yaml of
// every member (highest priority first; their URLs already point at the
// virtual repository, which asked each member on its behalf) become one.
// A chart version comes from the first member that has it, versions are
// listed newest first, charts by name, and generated is now. Other
// documents are the first member's.
// https://helm.sh/docs/topics/chart_repository/#the-index-file
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("helm: merge: no documents")
	}
	if strings.TrimPrefix(path, "/") != "index.yaml" {
		return docs[0], nil
	}
	total := 0
	for _, d := range docs {
		total += len(d)
	}
	if total > maxRemoteIndexBytes {
		return nil, fmt.Errorf("helm: merge: the members' indexes are larger than %d bytes", maxRemoteIndexBytes)
	}
	type merged struct {
		name     *yaml.Node
		versions []*yaml.Node
		seen     map[string]bool
	}
	charts := map[string]*merged{}
	count := 0
	for i, d := range docs {
		idx, err := parseRemoteIndex(d)
		if err != nil {
			return nil, fmt.Errorf("helm: merge: member %d: %w", i+1, err)
		}
		for _, e := range idx.charts {
			m := charts[e.name.Value]
			if m == nil {
				m = &merged{name: e.name, seen: map[string]bool{}}
				charts[e.name.Value] = m
			}
			for _, v := range e.versions.Content {
				ver := ""
				if n := mapValue(v, "version"); n != nil && n.Kind == yaml.ScalarNode {
					ver = n.Value
				}
				if ver == "" || m.seen[ver] {
					continue
				}
				m.seen[ver] = true
				if count++; count > maxIndexFiles {
					return nil, fmt.Errorf("helm: merge: more than %d chart versions", maxIndexFiles)
				}
				m.versions = append(m.versions, v)
			}
		}
	}
	names := make([]string, 0, len(charts))
	for n := range charts {
		names = append(names, n)
	}
	slices.Sort(names)
	entries := &yaml.Node{Kind: yaml.MappingNode}
	for _, n := range names {
		m := charts[n]
		slices.SortStableFunc(m.versions, newestFirst)
		entries.Content = append(entries.Content, m.name, &yaml.Node{Kind: yaml.SequenceNode, Content: m.versions})
	}
	str := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
	root := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		str("apiVersion"), str("v1"),
		str("entries"), entries,
		str("generated"), {Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.DoubleQuotedStyle, Value: now().UTC().Format(time.RFC3339Nano)},
	}}
	return (&remoteIndex{root: root}).encode()
}

// newestFirst orders chart versions by SemVer, newest first; versions
// that are no SemVer go last, in their order.
func newestFirst(a, b *yaml.Node) int {
	va, oka := parseSemver(scalar(a, "version"))
	vb, okb := parseSemver(scalar(b, "version"))
	switch {
	case oka && okb:
		return vb.compare(va)
	case oka:
		return -1
	case okb:
		return 1
	}
	return 0
}

func scalar(m *yaml.Node, key string) string {
	if n := mapValue(m, key); n != nil && n.Kind == yaml.ScalarNode {
		return n.Value
	}
	return ""
}
