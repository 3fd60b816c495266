package swift

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

var (
	_ sdk.Classifier       = Plugin{}
	_ sdk.DocumentRewriter = Plugin{}
	_ sdk.DocumentMerger   = Plugin{}
)

// RewriteDocument implements sdk.DocumentRewriter: Rewrite's document,
// served with Content-Version: 1, which SwiftPM requires on every answer
// (§3.5: https://github.com/swiftlang/swift-package-manager/blob/main/Documentation/PackageRegistry/Registry.md).
func (p Plugin) RewriteDocument(h sdk.Host, path string, body []byte, upstreamBase, localBase string) (sdk.Document, error) {
	out, err := p.Rewrite(h, path, body, upstreamBase, localBase)
	return sdk.Document{Body: out, Headers: versionHeader()}, err
}

// MergeDocument implements sdk.DocumentMerger: Merge's document, served
// with Content-Version: 1.
func (p Plugin) MergeDocument(h sdk.Host, path string, docs [][]byte) (sdk.Document, error) {
	out, err := p.Merge(h, path, docs)
	return sdk.Document{Body: out, Headers: versionHeader()}, err
}

// maxDocBytes bounds an upstream or member document the plugin decodes.
const maxDocBytes = 16 << 20

// Classify implements sdk.Classifier: a release's archive and manifests
// never change once published (§4.6); release lists and release metadata
// do.
func (Plugin) Classify(path string) sdk.CacheClass {
	if strings.HasSuffix(path, ".zip") || strings.HasSuffix(path, "/Package.swift") {
		return sdk.Immutable
	}
	return sdk.Mutable
}

// docKind tells a release list (§4.1) and a release document (§4.2) apart
// by their path.
func docKind(path string) (id identity, list, info bool) {
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(seg) < 2 || len(seg) > 3 {
		return identity{}, false, false
	}
	id, ok := parseIdentity(seg[0], strings.TrimSuffix(seg[1], ".json"))
	if !ok {
		return identity{}, false, false
	}
	if len(seg) == 2 {
		return id, true, false
	}
	return id, false, !strings.HasSuffix(seg[2], ".zip") && !strings.HasSuffix(seg[1], ".json")
}

type upstreamRelease struct {
	URL     string          `json:"url,omitempty"`
	Problem json.RawMessage `json:"problem,omitempty"`
}

type upstreamList struct {
	Releases map[string]upstreamRelease `json:"releases"`
}

// Rewrite implements sdk.Rewriter for remote repositories: every release
// url under the upstream moves under this repository (another host's
// under ~ext); a release document must be a JSON object with an id and is
// served compacted.
func (Plugin) Rewrite(_ sdk.Host, path string, body []byte, upstreamBase, localBase string) ([]byte, error) {
	id, list, info := docKind(path)
	switch {
	case list:
		var l upstreamList
		if len(body) > maxDocBytes || json.Unmarshal(body, &l) != nil || l.Releases == nil {
			return nil, sdk.Errorf(502, "the upstream answered no Swift release list")
		}
		for v, r := range l.Releases {
			if r.URL != "" {
				r.URL = sdk.RemoteURL(r.URL, upstreamBase, localBase)
			} else {
				r.URL = strings.TrimSuffix(localBase, "/") + "/" + id.scope + "/" + id.name + "/" + v
			}
			l.Releases[v] = r
		}
		return renderList(l), nil
	case info:
		var doc struct {
			ID      string `json:"id"`
			Version string `json:"version"`
		}
		if len(body) > maxDocBytes || json.Unmarshal(body, &doc) != nil || doc.ID == "" || doc.Version == "" {
			return nil, sdk.Errorf(502, "the upstream answered no Swift release document")
		}
		var c bytes.Buffer
		if json.Compact(&c, body) != nil {
			return nil, sdk.Errorf(502, "the upstream answered no Swift release document")
		}
		return c.Bytes(), nil
	}
	return body, nil
}

// Merge implements sdk.Merger for virtual repositories: the members'
// release lists become one (a version of several members is the first
// member's), every url under the virtual repository; a release document
// is the first member's.
func (Plugin) Merge(h sdk.Host, path string, docs [][]byte) ([]byte, error) {
	id, list, info := docKind(path)
	base := ""
	if r := h.Repo(); r != nil {
		base = r.BaseURL
	}
	switch {
	case info:
		for _, d := range docs {
			var doc struct {
				ID string `json:"id"`
			}
			if len(d) <= maxDocBytes && json.Unmarshal(d, &doc) == nil && doc.ID != "" {
				return d, nil
			}
		}
		return nil, sdk.Errorf(404, "release not found")
	case !list:
		if len(docs) == 0 {
			return nil, sdk.Errorf(404, "not found")
		}
		return docs[0], nil
	}
	merged := upstreamList{Releases: map[string]upstreamRelease{}}
	for _, d := range docs {
		var l upstreamList
		if len(d) > maxDocBytes || json.Unmarshal(d, &l) != nil {
			continue
		}
		for v, r := range l.Releases {
			if _, seen := merged.Releases[v]; seen {
				continue
			}
			r.URL = base + "/" + id.scope + "/" + id.name + "/" + v
			merged.Releases[v] = r
		}
	}
	if len(merged.Releases) == 0 {
		return nil, sdk.Errorf(404, "package %s not found", id.String())
	}
	return renderList(merged), nil
}

// renderList renders a release list in precedence order (§4.1), dropping
// versions that are not semantic versions.
func renderList(l upstreamList) []byte {
	type entry struct {
		v  string
		sv semver.Version
	}
	var es []entry
	for v := range l.Releases {
		if sv, ok := semver.Parse(v); ok {
			es = append(es, entry{v, sv})
		}
	}
	sort.Slice(es, func(i, j int) bool { return es[i].sv.Compare(es[j].sv) > 0 })
	b := []byte(`{"releases":{`)
	for i, e := range es {
		if i > 0 {
			b = append(b, ',')
		}
		r := l.Releases[e.v]
		b = sdk.AppendJSONString(b, e.v)
		b = append(b, `:{"url":`...)
		b = sdk.AppendJSONString(b, r.URL)
		if len(r.Problem) > 0 && r.Problem[0] == '{' {
			var c bytes.Buffer
			if json.Compact(&c, r.Problem) == nil {
				b = append(b, `,"problem":`...)
				b = append(b, c.Bytes()...)
			}
		}
		b = append(b, '}')
	}
	return append(b, "}}"...)
}
