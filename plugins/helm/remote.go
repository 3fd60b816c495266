package helm

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"gopkg.in/yaml.v3"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Rewriter   = Plugin{}
)

// maxRemoteIndexBytes bounds an index.yaml read from an upstream or merged
// from members (the largest public chart repositories serve a few tens of
// megabytes).
const maxRemoteIndexBytes = 64 << 20

// extPrefix is the host's path for files on another host than the
// upstream's (core/remote.ExtPrefix): {local}/~ext/{scheme}/{host}/{path}.
const extPrefix = "~ext/"

// Classify implements sdk.Classifier: a chart version's archive and
// provenance never change (the index carries the digest), index.yaml does.
// https://helm.sh/docs/topics/chart_repository/
func (Plugin) Classify(path string) sdk.CacheClass {
	p := strings.TrimPrefix(path, "/")
	if strings.HasSuffix(p, ".tgz") || strings.HasSuffix(p, ".tgz.prov") {
		if strings.HasPrefix(p, "charts/") || strings.HasPrefix(p, extPrefix) || !strings.Contains(p, "/") {
			return sdk.Immutable
		}
	}
	return sdk.Mutable
}

// Rewrite implements sdk.Rewriter for remote repositories: every chart URL
// of the upstream's index.yaml, absolute or relative to the index, points
// under this repository: a URL under the upstream's base keeps its path
// there, one on another host becomes {local}/~ext/{scheme}/{host}/{path},
// which the host fetches only from hosts the repository allows. URLs that
// are not http(s) are dropped, and a version left without one with them.
// Other documents pass as they are.
// https://helm.sh/docs/topics/chart_repository/#the-index-file
func (Plugin) Rewrite(_ sdk.Host, path string, body []byte, upstreamBase, localBase string) ([]byte, error) {
	if strings.TrimPrefix(path, "/") != "index.yaml" {
		return body, nil
	}
	doc, err := parseRemoteIndex(body)
	if err != nil {
		return nil, err
	}
	page, err := url.Parse(upstreamBase + path)
	if err != nil {
		return nil, fmt.Errorf("helm: upstream index URL: %w", err)
	}
	up := strings.TrimSuffix(upstreamBase, "/")
	for _, e := range doc.charts {
		kept := e.versions.Content[:0]
		for _, v := range e.versions.Content {
			if rewriteURLs(v, page, up, localBase) {
				kept = append(kept, v)
			}
		}
		e.versions.Content = kept
	}
	return doc.encode()
}

// rewriteURLs maps the urls of one chart version; false when none is left.
func rewriteURLs(v *yaml.Node, page *url.URL, up, local string) bool {
	urls := mapValue(v, "urls")
	if urls == nil || urls.Kind != yaml.SequenceNode {
		return false
	}
	kept := urls.Content[:0]
	for _, u := range urls.Content {
		if u.Kind != yaml.ScalarNode {
			continue
		}
		if mapped, ok := mapChartURL(u.Value, page, up, local); ok {
			u.Value, u.Tag, u.Style = mapped, "!!str", yaml.DoubleQuotedStyle
			kept = append(kept, u)
		}
	}
	urls.Content = kept
	return len(kept) > 0
}

// mapChartURL maps a chart URL of the upstream index under local.
func mapChartURL(href string, page *url.URL, up, local string) (string, bool) {
	ref, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return "", false
	}
	u := page.ResolveReference(ref)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Path == "" || strings.HasSuffix(u.Path, "/") {
		return "", false
	}
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	s := u.String()
	if rest, ok := strings.CutPrefix(s, up+"/"); ok {
		return local + "/" + rest, true
	}
	return local + "/" + extPrefix + u.Scheme + "/" + strings.ToLower(u.Host) + u.EscapedPath(), true
}

// remoteIndex is an index.yaml read as YAML nodes, so every field of a
// chart version, known or not, survives a rewrite or merge.
type remoteIndex struct {
	root   *yaml.Node // the top-level mapping
	charts []chartEntries
}

type chartEntries struct {
	name     *yaml.Node // the key under entries
	versions *yaml.Node // its sequence of chart versions
}

// parseRemoteIndex reads an index.yaml from an upstream or a member
// (fastYAML for the shapes index writers emit, else yaml.v3). It must be a mapping whose entries map names to sequences of mappings;
// anchors and aliases (which no index writer uses, and which can multiply
// a document) are refused.
func parseRemoteIndex(body []byte) (*remoteIndex, error) {
	if len(body) > maxRemoteIndexBytes {
		return nil, fmt.Errorf("helm: index.yaml is larger than %d bytes", maxRemoteIndexBytes)
	}
	doc, ok := fastYAML(body)
	if !ok {
		doc = &yaml.Node{}
		if err := yaml.NewDecoder(bytes.NewReader(body)).Decode(doc); err != nil {
			return nil, fmt.Errorf("helm: index.yaml is not YAML: %w", err)
		}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("helm: index.yaml is not a mapping")
	}
	if err := clean(doc, 0); err != nil {
		return nil, err
	}
	out := &remoteIndex{root: doc.Content[0]}
	entries := mapValue(out.root, "entries")
	if entries == nil {
		return out, nil
	}
	if entries.Kind != yaml.MappingNode {
		return nil, errors.New("helm: index.yaml entries is not a mapping")
	}
	for i := 0; i+1 < len(entries.Content); i += 2 {
		name, versions := entries.Content[i], entries.Content[i+1]
		if name.Kind != yaml.ScalarNode || versions.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("helm: index.yaml entry %q is not a list of versions", name.Value)
		}
		for _, v := range versions.Content {
			if v.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("helm: index.yaml entry %q has a version that is not a mapping", name.Value)
			}
		}
		out.charts = append(out.charts, chartEntries{name: name, versions: versions})
	}
	return out, nil
}

// clean refuses anchors, aliases and deep nesting, and drops comments
// (nothing but data passes from an upstream).
func clean(n *yaml.Node, depth int) error {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return errors.New("helm: index.yaml uses anchors or aliases")
	}
	if depth > 64 {
		return errors.New("helm: index.yaml is nested too deep")
	}
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, c := range n.Content {
		if err := clean(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// mapValue is the value of key in mapping m, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// encode writes the index back as YAML.
func (d *remoteIndex) encode() ([]byte, error) {
	return appendNode(make([]byte, 0, 4096), d.root, 0), nil
}
