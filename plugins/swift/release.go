package swift

import (
	"encoding/json"
	"net/url"
	"sort"
	"strconv"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// maxVersions bounds the versions one listing reads; pageSize is how many
// releases one page of §4.1 holds.
const maxVersions = 20000

var pageSize = 100

// releaseMeta is what a published release records.
type releaseMeta struct {
	// ID is the identifier as the publisher spelled it.
	ID       string `json:"id"`
	Checksum string `json:"checksum"`
	// Archive is the stored path of the source archive.
	Archive string `json:"archive"`
	// Root is the archive's top-level folder ("Name/").
	Root string `json:"root"`
	// Tools is the swift-tools-version of Package.swift; Manifests the
	// version-specific manifests with theirs.
	Tools     string          `json:"tools"`
	Manifests [][2]string     `json:"manifests,omitempty"`
	Metadata  json.RawMessage `json:"metadata,omitempty"`
	URLs      []string        `json:"urls,omitempty"`
	SigFormat string          `json:"signatureFormat,omitempty"`
	Signature string          `json:"signature,omitempty"`
	// SortKey is the version's semver.AppendKey, on which the host sorts
	// the releases list (sorted.go); records stored before have none.
	SortKey string `json:"sort_key,omitempty"`
}

type release struct {
	version string
	sv      semver.Version
	created int64
	meta    releaseMeta
	raw     []byte
	// decoded: meta holds what renderReleases reads of the latest's
	// record (its id and urls), raw is not read (sorted.go).
	decoded bool
}

// releasesOf reads the package's releases, highest precedence first.
func releasesOf(h sdk.Host, id identity) ([]release, error) { return readReleases(h, id, true) }

// readReleases reads the releases; without full only their ids are read
// when the stored record starts with it (the shape publish writes: the
// guest's JSON decoder is most of a list's cost), and raw keeps the record.
func readReleases(h sdk.Host, id identity, full bool) ([]release, error) {
	var out []release
	err := sdk.EachVersion(h, id.key(), maxVersions, func(v sdk.VersionInfo) error {
		sv, ok := semver.Parse(v.Version)
		if !ok {
			return nil
		}
		r := release{version: v.Version, sv: sv, created: v.CreatedMs, raw: v.Metadata}
		if id, ok := fastID(v.Metadata); ok && !full {
			r.meta.ID = id
		} else if json.Unmarshal(v.Metadata, &r.meta) != nil || r.meta.ID == "" {
			return nil
		}
		out = append(out, r)
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].sv.Compare(out[j].sv) > 0 })
	return out, err
}

// fastID reads the id of a record that begins {"id":"scope.name",.
func fastID(b []byte) (string, bool) {
	const head = `{"id":"`
	if len(b) < len(head) || string(b[:len(head)]) != head {
		return "", false
	}
	for i := len(head); i < len(b) && i < len(head)+141; i++ {
		switch c := b[i]; {
		case c == '"':
			if i+1 < len(b) && b[i+1] == ',' && i > len(head) {
				return string(b[len(head):i]), true
			}
			return "", false
		case !alnum(c) && c != '.' && c != '-' && c != '_':
			return "", false
		}
	}
	return "", false
}

func find(rs []release, version string) int {
	for i, r := range rs {
		if r.version == version {
			return i
		}
	}
	return -1
}

// releaseURL is where §4.2 serves a release.
func releaseURL(base, id, version string) string {
	scope, name := splitID(id)
	return base + "/" + scope + "/" + name + "/" + version
}

func splitID(id string) (scope, name string) {
	for i := 0; i < len(id); i++ {
		if id[i] == '.' {
			return id[:i], id[i+1:]
		}
	}
	return id, ""
}

func link(b []byte, target, rel string) []byte {
	if len(b) > 0 {
		b = append(b, ", "...)
	}
	b = append(b, '<')
	b = append(b, target...)
	b = append(b, `>; rel="`...)
	b = append(b, rel...)
	return append(b, '"')
}

// releases answers §4.1: {"releases": {VERSION: {"url": …}}} in precedence
// order, with the latest-version, canonical and alternate links and, past
// one page, first/prev/next/last.
func releases(h sdk.Host, req *sdk.Request, id identity) (*sdk.Response, error) {
	if r, ok := sortedReleases(h, req, id); ok {
		return r, nil
	}
	rs, ok := listedReleases(h, id)
	if !ok {
		var err error
		if rs, err = readReleases(h, id, false); err != nil {
			return nil, err
		}
	}
	return renderReleases(req, id, rs)
}

// renderReleases writes §4.1 from the releases, highest precedence first
// (the latest's record in raw).
func renderReleases(req *sdk.Request, id identity, rs []release) (*sdk.Response, error) {
	if len(rs) == 0 {
		return problem(404, "package "+id.String()+" not found"), nil
	}
	base := req.Repo.BaseURL
	latest := rs[0].meta
	if !rs[0].decoded {
		if err := json.Unmarshal(rs[0].raw, &latest); err != nil {
			return nil, err
		}
	}
	links, page, miss := releaseLinks(req, id, latest, rs[0].version, len(rs))
	if miss != nil {
		return miss, nil
	}
	b := []byte(`{"releases":{`)
	end := min(page*pageSize, len(rs))
	var prefixID string
	var prefix []byte // the URL of prefixID's releases as a JSON string, without the version and closing quote
	for i, r := range rs[(page-1)*pageSize : end] {
		if i > 0 {
			b = append(b, ',')
		}
		if !plainVersion(r.version) {
			b = sdk.AppendJSONString(b, r.version)
			b = append(b, `:{"url":`...)
			b = sdk.AppendJSONString(b, releaseURL(base, r.meta.ID, r.version))
			b = append(b, '}')
			continue
		}
		if prefix == nil || r.meta.ID != prefixID {
			prefixID, prefix = r.meta.ID, sdk.AppendJSONString(prefix[:0], releaseURL(base, r.meta.ID, ""))
			prefix = prefix[:len(prefix)-1]
		}
		b = append(append(append(b, '"'), r.version...), `":{"url":`...)
		b = append(append(append(b, prefix...), r.version...), `"}`...)
	}
	return jsonResponse(append(b, "}}"...), string(links)), nil
}

// releaseLinks is the Link header of page page of §4.1 for n releases,
// the latest latestVersion with record latest (its id and urls); miss is
// the 404 of a page query past the last page or not a number.
func releaseLinks(req *sdk.Request, id identity, latest releaseMeta, latestVersion string, n int) (links []byte, page int, miss *sdk.Response) {
	base := req.Repo.BaseURL
	listURL := releaseURL(base, latest.ID, "")
	listURL = listURL[:len(listURL)-1]
	links = link(nil, releaseURL(base, latest.ID, latestVersion), "latest-version")
	for i, u := range latest.URLs {
		rel := "alternate"
		if i == 0 {
			rel = "canonical"
		}
		links = link(links, u, rel)
	}
	pages := (n + pageSize - 1) / pageSize
	page = 1
	if q, err := url.ParseQuery(req.RawQuery); err == nil && q.Get("page") != "" {
		p, err := strconv.Atoi(q.Get("page"))
		if err != nil || p < 1 || p > pages {
			return nil, 0, problem(404, "no page "+clip(q.Get("page"))+" of "+id.String()+"'s releases")
		}
		page = p
	}
	if pages > 1 {
		pageURL := func(n int) string { return listURL + "?page=" + strconv.Itoa(n) }
		links = link(links, pageURL(1), "first")
		if page > 1 {
			links = link(links, pageURL(page-1), "prev")
		}
		if page < pages {
			links = link(links, pageURL(page+1), "next")
		}
		links = link(links, pageURL(pages), "last")
	}
	return links, page, nil
}

// plainVersion reports whether v is made of bytes a JSON string writes as
// they are (SemVer's letters, digits, '.', '-', '+'), so a URL ending with
// it is written as the URL without it, then v.
func plainVersion[T string | []byte](v T) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; !alnum(c) && c != '.' && c != '-' && c != '+' {
			return false
		}
	}
	return len(v) > 0
}

// releaseInfo answers §4.2 with the latest-version, successor-version and
// predecessor-version links.
func releaseInfo(h sdk.Host, req *sdk.Request, id identity, version string) (*sdk.Response, error) {
	rs, err := releasesOf(h, id)
	if err != nil {
		return nil, err
	}
	i := find(rs, version)
	if i < 0 {
		return problem(404, "release "+clip(version)+" of "+id.String()+" not found"), nil
	}
	base := req.Repo.BaseURL
	links := link(nil, releaseURL(base, rs[0].meta.ID, rs[0].version), "latest-version")
	if i > 0 {
		links = link(links, releaseURL(base, rs[i-1].meta.ID, rs[i-1].version), "successor-version")
	}
	if i+1 < len(rs) {
		links = link(links, releaseURL(base, rs[i+1].meta.ID, rs[i+1].version), "predecessor-version")
	}
	return jsonResponse(renderInfo(nil, rs[i]), string(links)), nil
}

// renderInfo renders a release's §4.2 document.
func renderInfo(b []byte, r release) []byte {
	m := r.meta
	b = append(b, `{"id":`...)
	b = sdk.AppendJSONString(b, m.ID)
	b = append(b, `,"version":`...)
	b = sdk.AppendJSONString(b, r.version)
	b = append(b, `,"resources":[{"name":"source-archive","type":"application/zip","checksum":`...)
	b = sdk.AppendJSONString(b, m.Checksum)
	if m.Signature != "" {
		b = append(b, `,"signing":{"signatureBase64Encoded":`...)
		b = sdk.AppendJSONString(b, m.Signature)
		b = append(b, `,"signatureFormat":`...)
		b = sdk.AppendJSONString(b, m.SigFormat)
		b = append(b, '}')
	}
	b = append(b, `}],"metadata":`...)
	if len(m.Metadata) > 0 && m.Metadata[0] == '{' {
		b = append(b, m.Metadata...)
	} else {
		b = append(b, "{}"...)
	}
	if r.created > 0 {
		if t, ms, ok := sdk.AppendUTC(append(b, `,"publishedAt":"`...), r.created); ok {
			b = append(t, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z', '"')
		}
	}
	return append(b, '}')
}
