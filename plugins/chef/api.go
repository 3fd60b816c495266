package chef

import (
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

const (
	// docTTL lets the host keep a rendered document for the repository
	// generation it was made from.
	docTTL       = 60_000
	maxVersions  = 10_000
	maxCookbooks = 50_000
	maxPage      = 100
)

// versionMeta is what a published version records (also what Keeper's
// search reads: description, and the rest as text).
type versionMeta struct {
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Description  string            `json:"description"`
	License      string            `json:"license"`
	Maintainer   string            `json:"maintainer"`
	Category     string            `json:"category"`
	SourceURL    string            `json:"source_url,omitempty"`
	IssuesURL    string            `json:"issues_url,omitempty"`
	Dependencies map[string]string `json:"dependencies"`
	Platforms    map[string]string `json:"platforms"`
	SHA256       string            `json:"sha256"`
	Size         uint64            `json:"size"`
}

type published struct {
	meta      versionMeta
	createdMs int64
}

type api struct {
	h    sdk.Host
	req  *sdk.Request
	base string
}

// tarballPath is where a version's tarball is stored and downloaded from.
func tarballPath(name, version string) string {
	return "cookbooks/" + name + "/" + version + "/" + name + "-" + version + ".tar.gz"
}

// urlVersion is a version as Supermarket URLs write it (dots as underscores).
func urlVersion(v string) string { return strings.ReplaceAll(v, ".", "_") }

func (a api) cookbookURL(name string) string { return a.base + "/api/v1/cookbooks/" + name }
func (a api) versionURL(name, v string) string {
	return a.cookbookURL(name) + "/versions/" + urlVersion(v)
}
func (a api) downloadURL(name, v string) string { return a.versionURL(name, v) + "/download" }

// versions reads a cookbook's versions, newest first.
func versions(h sdk.Host, name string) ([]published, error) {
	var out []published
	err := sdk.EachVersion(h, name, maxVersions, func(v sdk.VersionInfo) error {
		var m versionMeta
		if json.Unmarshal(v.Metadata, &m) != nil || !validVersion(v.Version) {
			return nil
		}
		m.Version = v.Version
		out = append(out, published{meta: m, createdMs: v.CreatedMs})
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return compareVersions(out[i].meta.Version, out[j].meta.Version) > 0 })
	return out, err
}

func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < 3; i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

func timeText(ms int64) string {
	b, rem, ok := sdk.AppendUTC(nil, ms)
	if !ok {
		return ""
	}
	return string(b) + "." + strconv.FormatInt(1000+rem, 10)[1:] + "Z"
}

// cookbookDoc is GET api/v1/cookbooks/NAME.
func (a api) cookbookDoc(name string, vs []published) map[string]any {
	latest, oldest := vs[0], vs[len(vs)-1]
	urls := make([]string, 0, len(vs))
	for _, v := range vs {
		urls = append(urls, a.versionURL(name, v.meta.Version))
	}
	return map[string]any{
		"name": name, "maintainer": latest.meta.Maintainer, "description": latest.meta.Description,
		"category": latest.meta.Category, "latest_version": a.versionURL(name, latest.meta.Version),
		"external_url": latest.meta.SourceURL, "source_url": latest.meta.SourceURL, "issues_url": latest.meta.IssuesURL,
		"average_rating": nil, "created_at": timeText(oldest.createdMs), "updated_at": timeText(latest.createdMs),
		"up_for_adoption": nil, "deprecated": false, "versions": urls,
		"metrics": map[string]any{"downloads": map[string]any{"total": 0, "versions": map[string]int{}}, "followers": 0, "collaborators": 0},
	}
}

func (a api) cookbook(name string) (*sdk.Response, error) {
	vs, err := versions(a.h, name)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, fail(404, "NOT_FOUND", "Resource does not exist.")
	}
	return jsonResponse(200, a.cookbookDoc(name, vs), docTTL), nil
}

// find resolves VERSION of a URL: 1.2.3, 1_2_3 or latest.
func (a api) find(name, v string) (*published, error) {
	vs, err := versions(a.h, name)
	if err != nil {
		return nil, err
	}
	if len(vs) > 0 && v == "latest" {
		return &vs[0], nil
	}
	v = strings.ReplaceAll(v, "_", ".")
	for i := range vs {
		if vs[i].meta.Version == v {
			return &vs[i], nil
		}
	}
	return nil, fail(404, "NOT_FOUND", "Resource does not exist.")
}

func (a api) version(name, v string) (*sdk.Response, error) {
	p, err := a.find(name, v)
	if err != nil {
		return nil, err
	}
	m := p.meta
	return jsonResponse(200, map[string]any{
		"license": m.License, "tarball_file_size": m.Size, "version": m.Version, "average_rating": nil,
		"cookbook": a.cookbookURL(name), "file": a.downloadURL(name, m.Version),
		"dependencies": orEmpty(m.Dependencies), "platforms": orEmpty(m.Platforms),
		"published_at": timeText(p.createdMs), "quality_metrics": []any{},
	}, docTTL), nil
}

// download answers the version's download URL with a redirect to the
// stored tarball (the Supermarket redirects to its file store).
func (a api) download(name, v string) (*sdk.Response, error) {
	p, err := a.find(name, v)
	if err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 302, Kind: sdk.BodyBytes, Headers: []sdk.Header{
		{Name: "Location", Value: a.base + "/" + tarballPath(name, p.meta.Version)}}}, nil
}

// universe is Berkshelf's view of the repository: every cookbook version
// with its dependencies and where to get it (location_type "opscode": the
// Supermarket API at location_path).
func (a api) universe() (*sdk.Response, error) {
	if r, err := a.assembledUniverse(); r != nil || err != nil {
		return r, err
	}
	out := map[string]map[string]any{}
	err := sdk.EachPackage(a.h, "", maxCookbooks, func(p sdk.PackageInfo) error {
		vs, err := versions(a.h, p.Name)
		if err != nil || len(vs) == 0 {
			return err
		}
		entry := map[string]any{}
		for _, v := range vs {
			entry[v.meta.Version] = map[string]any{"location_type": "opscode", "location_path": a.base + "/api/v1",
				"download_url": a.downloadURL(p.Name, v.meta.Version), "dependencies": orEmpty(v.meta.Dependencies)}
		}
		out[p.Name] = entry
		return nil
	})
	if err != nil {
		return nil, err
	}
	return jsonResponse(200, out, docTTL), nil
}

type page struct{ start, items int }

func (a api) page() page {
	q, _ := url.ParseQuery(a.req.RawQuery)
	p := page{items: 10}
	if n, err := strconv.Atoi(q.Get("start")); err == nil && n > 0 {
		p.start = n
	}
	if n, err := strconv.Atoi(q.Get("items")); err == nil && n > 0 {
		p.items = min(n, maxPage)
	}
	return p
}

// list is GET api/v1/cookbooks (and, with match, the search): a page of
// cookbooks in name order.
func (a api) list(match string) (*sdk.Response, error) {
	pg := a.page()
	items, total := []map[string]any{}, 0
	err := sdk.EachPackage(a.h, "", maxCookbooks, func(p sdk.PackageInfo) error {
		var vs []published
		if match != "" || (total >= pg.start && len(items) < pg.items) {
			var err error
			if vs, err = versions(a.h, p.Name); err != nil || len(vs) == 0 {
				return err
			}
			if match != "" && !strings.Contains(strings.ToLower(p.Name+" "+vs[0].meta.Description), match) {
				return nil
			}
		}
		if total >= pg.start && len(items) < pg.items {
			items = append(items, map[string]any{"cookbook_name": p.Name, "cookbook_description": vs[0].meta.Description,
				"cookbook": a.cookbookURL(p.Name), "cookbook_maintainer": vs[0].meta.Maintainer})
		}
		total++
		return nil
	})
	if err != nil {
		return nil, err
	}
	return jsonResponse(200, map[string]any{"start": pg.start, "total": total, "items": items}, docTTL), nil
}

func (a api) search() (*sdk.Response, error) {
	q, _ := url.ParseQuery(a.req.RawQuery)
	s := strings.ToLower(strings.TrimSpace(q.Get("q")))
	if s == "" {
		return nil, fail(400, "INVALID_DATA", "search needs a query: ?q=")
	}
	return a.list(clip(s))
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
