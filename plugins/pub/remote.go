package pub

import (
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Rewriter   = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// maxDocBytes bounds an upstream or member listing the plugin decodes.
const maxDocBytes = 32 << 20

// Classify implements sdk.Classifier: a published archive never changes;
// listings and version pages do.
func (Plugin) Classify(path string) sdk.CacheClass {
	if strings.HasPrefix(path, "/packages/") && strings.HasSuffix(path, ".tar.gz") {
		return sdk.Immutable
	}
	return sdk.Mutable
}

// upstreamDoc is a listing (or, with only Version set, a version page) as
// another repository serves it; only the fields of the spec are kept.
type upstreamDoc struct {
	Name           string            `json:"name"`
	IsDiscontinued bool              `json:"isDiscontinued"`
	Latest         *upstreamVersion  `json:"latest"`
	Versions       []upstreamVersion `json:"versions"`
}

type upstreamVersion struct {
	Version       string          `json:"version"`
	Retracted     bool            `json:"retracted"`
	ArchiveURL    string          `json:"archive_url"`
	ArchiveSHA256 string          `json:"archive_sha256"`
	Pubspec       json.RawMessage `json:"pubspec"`
}

// isListing reports whether path is api/packages/NAME; isVersion whether it
// is api/packages/NAME/versions/VERSION.
func isListing(path string) (name string, listing, version bool) {
	rest, ok := strings.CutPrefix(path, "/api/packages/")
	if !ok {
		return "", false, false
	}
	n, _, hasVersion := strings.Cut(rest, "/versions/")
	if !validName(n) {
		return "", false, false
	}
	return n, !hasVersion, hasVersion
}

// Rewrite implements sdk.Rewriter for remote repositories: archive_url
// under the upstream's base moves under this repository; one on another
// host becomes {local}/~ext/{scheme}/{host}/{path}, fetched only from hosts
// the repository allows. The document is rendered anew with the spec's
// fields only.
func (Plugin) Rewrite(_ sdk.Host, path string, body []byte, upstreamBase, localBase string) ([]byte, error) {
	name, listing, version := isListing(path)
	if !listing && !version {
		return body, nil
	}
	move := func(u string) string { return sdk.RemoteURL(u, upstreamBase, localBase) }
	if version {
		var v upstreamVersion
		if len(body) > maxDocBytes || json.Unmarshal(body, &v) != nil || v.Version == "" {
			return nil, sdk.Errorf(502, "the upstream answered no pub version document")
		}
		v.ArchiveURL = move(v.ArchiveURL)
		return renderVersion(nil, v), nil
	}
	var d upstreamDoc
	if len(body) > maxDocBytes || json.Unmarshal(body, &d) != nil || len(d.Versions) == 0 {
		return nil, sdk.Errorf(502, "the upstream answered no pub package listing")
	}
	for i := range d.Versions {
		d.Versions[i].ArchiveURL = move(d.Versions[i].ArchiveURL)
	}
	d.Name = name
	return renderListing(d), nil
}

// Merge implements sdk.Merger for virtual repositories: the listings of the
// members become one, a version listed by several members taken from the
// first; every archive_url points under the virtual repository, which finds
// the archive in its members. A version page is the first member's.
func (Plugin) Merge(h sdk.Host, path string, docs [][]byte) ([]byte, error) {
	name, listing, version := isListing(path)
	base := ""
	if r := h.Repo(); r != nil {
		base = r.BaseURL
	}
	local := func(v upstreamVersion) upstreamVersion {
		if base != "" {
			v.ArchiveURL = base + "/" + archivePath(name, v.Version)
		}
		return v
	}
	switch {
	case version:
		for _, doc := range docs {
			var v upstreamVersion
			if len(doc) <= maxDocBytes && json.Unmarshal(doc, &v) == nil && v.Version != "" {
				return renderVersion(nil, local(v)), nil
			}
		}
		return nil, sdk.Errorf(404, "version not found")
	case !listing:
		if len(docs) == 0 {
			return nil, sdk.Errorf(404, "not found")
		}
		return docs[0], nil
	}
	merged := upstreamDoc{Name: name}
	seen := map[string]bool{}
	for i, doc := range docs {
		var d upstreamDoc
		if len(doc) > maxDocBytes || json.Unmarshal(doc, &d) != nil {
			continue
		}
		if i == 0 {
			merged.IsDiscontinued = d.IsDiscontinued
		}
		for _, v := range d.Versions {
			if _, ok := semver.Parse(v.Version); ok && !seen[v.Version] {
				seen[v.Version] = true
				merged.Versions = append(merged.Versions, local(v))
			}
		}
	}
	if len(merged.Versions) == 0 {
		return nil, sdk.Errorf(404, "package %s was not found", name)
	}
	return renderListing(merged), nil
}

// renderListing renders d in version order with its latest recomputed.
func renderListing(d upstreamDoc) []byte {
	var ps []published
	byVersion := map[string]upstreamVersion{}
	for _, v := range d.Versions {
		sv, ok := semver.Parse(v.Version)
		if !ok {
			continue
		}
		byVersion[v.Version] = v
		ps = append(ps, published{version: v.Version, sv: sv, meta: versionMeta{Retracted: v.Retracted}})
	}
	sortPublished(ps)
	b := []byte(`{"name":`)
	b = sdk.AppendJSONString(b, d.Name)
	if d.IsDiscontinued {
		b = append(b, `,"isDiscontinued":true`...)
	} else {
		b = append(b, `,"isDiscontinued":false`...)
	}
	if len(ps) > 0 {
		b = append(b, `,"latest":`...)
		b = renderVersion(b, byVersion[latest(ps).version])
	}
	b = append(b, `,"versions":[`...)
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = renderVersion(b, byVersion[p.version])
	}
	return append(b, "]}"...)
}

func renderVersion(b []byte, v upstreamVersion) []byte {
	pubspec := v.Pubspec
	if len(pubspec) == 0 || pubspec[0] != '{' {
		pubspec = json.RawMessage("{}")
	}
	return appendVersion(b, "", "", published{version: v.Version, meta: versionMeta{SHA256: v.ArchiveSHA256, Pubspec: pubspec,
		Retracted: v.Retracted}}, v.ArchiveURL)
}
