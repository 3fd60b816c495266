package openvsx

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

const (
	maxVersions  = 100_000
	maxPackages  = 100_000
	defaultSize  = 18 // Open VSX's search page size
	maxSize      = 100
	docTTLMs     = 60 * 1000
	maxNamespace = 10_000
)

type api struct {
	h   sdk.Host
	req *sdk.Request
}

// extMeta is what is stored with an extension version.
type extMeta struct {
	Namespace    string            `json:"namespace"`
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	DisplayName  string            `json:"displayName,omitempty"`
	Description  string            `json:"description,omitempty"`
	Engines      map[string]string `json:"engines,omitempty"`
	Categories   []string          `json:"categories,omitempty"`
	Tags         []string          `json:"tags,omitempty"`
	License      string            `json:"license,omitempty"`
	Homepage     string            `json:"homepage,omitempty"`
	Repository   string            `json:"repository,omitempty"`
	Bugs         string            `json:"bugs,omitempty"`
	Dependencies []string          `json:"dependencies,omitempty"`
	Bundled      []string          `json:"bundledExtensions,omitempty"`
	PreRelease   bool              `json:"preRelease,omitempty"`
	Preview      bool              `json:"preview,omitempty"`
	PublishedBy  string            `json:"publishedBy,omitempty"`
	SHA256       string            `json:"sha256"`
	Size         uint64            `json:"size"`
	Files        map[string]string `json:"files"` // kind → file name under fileDir
}

// release is one stored version; its metadata is decoded only when a
// document needs more than the version (a list of 200 versions decodes one).
type release struct {
	version   string
	v         semver.Version
	raw       []byte
	createdMs int64
	parsed    *extMeta
	// listedPre is the preRelease flag of a version listed without its
	// metadata (listing.go).
	listedPre bool
}

func (r *release) meta() *extMeta {
	if r.parsed == nil {
		r.parsed = &extMeta{}
		_ = json.Unmarshal(r.raw, r.parsed)
	}
	return r.parsed
}

// fileDir is where a version's files are stored and served from.
func fileDir(ns, name, version string) string {
	return "api/" + ns + "/" + name + "/" + version + "/file/"
}

func timestamp(ms int64) string {
	if ms == 0 {
		return ""
	}
	b, frac, ok := sdk.AppendUTC(nil, ms)
	if !ok {
		return ""
	}
	return string(b) + "." + strconv.FormatInt(1000+frac, 10)[1:] + "Z"
}

func (a api) base() string { return strings.TrimSuffix(a.req.Repo.BaseURL, "/") }

// releases returns the versions of ns.name, highest first.
func (a api) releases(ns, name string) ([]release, error) {
	var rs []release
	err := sdk.EachVersion(a.h, ns+"."+name, maxVersions, func(v sdk.VersionInfo) error {
		if sv, ok := semver.Parse(v.Version); ok && len(v.Metadata) > 0 {
			rs = append(rs, release{version: v.Version, v: sv, raw: v.Metadata, createdMs: v.CreatedMs})
		}
		return nil
	})
	slices.SortFunc(rs, func(x, y release) int { return y.v.Compare(x.v) })
	return rs, err
}

// isPre: marked pre-release in the manifest, or a semver pre-release.
func isPre(r *release) bool {
	if strings.Contains(semver.WithoutBuild(r.version), "-") {
		return true
	}
	if r.raw == nil && r.parsed == nil {
		return r.listedPre
	}
	return r.meta().PreRelease
}

// latestOf is Open VSX's "latest": the highest version that is not a
// pre-release, else the highest.
func latestOf(rs []release) *release {
	for i := range rs {
		if !isPre(&rs[i]) {
			return &rs[i]
		}
	}
	return &rs[0]
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// extensionDoc is Open VSX's ExtensionJson for r; all are the versions of
// the extension (highest first) for allVersions.
func (a api) extensionDoc(r *release, all []release) map[string]any {
	m := r.meta()
	extURL := a.base() + "/api/" + m.Namespace + "/" + m.Name
	files := map[string]any{}
	for kind, f := range m.Files {
		files[kind] = a.base() + "/" + fileDir(m.Namespace, m.Name, m.Version) + url.PathEscape(f)
	}
	versions := map[string]string{}
	alias := []string{}
	if len(all) > 0 {
		latest := latestOf(all)
		versions["latest"] = extURL + "/latest"
		alias = append(alias, "latest")
		if latest.version == m.Version {
			versions["latest"] = extURL + "/" + m.Version
		}
		for _, o := range all {
			versions[o.version] = extURL + "/" + o.version
		}
	}
	displayName := m.DisplayName
	return map[string]any{"namespaceUrl": a.base() + "/api/" + m.Namespace, "reviewsUrl": extURL + "/reviews",
		"files": files, "name": m.Name, "namespace": m.Namespace, "targetPlatform": "universal", "version": m.Version,
		"preRelease": m.PreRelease, "publishedBy": map[string]string{"loginName": m.PublishedBy},
		"verified": false, "unrelatedPublisher": false, "namespaceAccess": "restricted",
		"allVersions": versions, "allVersionsUrl": extURL + "/versions", "averageRating": nil, "downloadCount": 0,
		"reviewCount": 0, "versionAlias": alias, "timestamp": timestamp(r.createdMs), "preview": m.Preview,
		"displayName": displayName, "namespaceDisplayName": m.Namespace, "description": m.Description,
		"engines": m.Engines, "categories": nonNil(m.Categories), "tags": nonNil(m.Tags), "license": m.License,
		"homepage": m.Homepage, "repository": m.Repository, "bugs": m.Bugs,
		"dependencies": refs(m.Dependencies), "bundledExtensions": refs(m.Bundled),
		"downloads": map[string]any{"universal": files["download"]}, "sha256": m.SHA256}
}

// refs renders "publisher.name" references as Open VSX's ExtensionReferenceJson.
func refs(ids []string) []map[string]string {
	out := []map[string]string{}
	for _, id := range ids {
		ns, name, _ := strings.Cut(id, ".")
		out = append(out, map[string]string{"namespace": ns, "extension": name})
	}
	return out
}

func (a api) lookup(ns, name string) ([]release, error) {
	if !validName(ns) || !validName(name) {
		return nil, fail(400, "invalid extension name "+quote(ns+"."+name))
	}
	rs, err := a.releases(strings.ToLower(ns), strings.ToLower(name))
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, fail(404, "Extension not found: "+ns+"."+name)
	}
	return rs, nil
}

func (a api) latest(ns, name string) (*sdk.Response, error) {
	if r, err := a.assembledExtension(ns, name, ""); r != nil || err != nil {
		return r, err
	}
	if r, err := a.listedExtension(ns, name, ""); r != nil || err != nil {
		return r, err
	}
	rs, err := a.lookup(ns, name)
	if err != nil {
		return nil, err
	}
	return jsonResponse(200, a.extensionDoc(latestOf(rs), rs), docTTLMs), nil
}

func (a api) version(ns, name, version string) (*sdk.Response, error) {
	if r, err := a.assembledExtension(ns, name, version); r != nil || err != nil {
		return r, err
	}
	if r, err := a.listedExtension(ns, name, version); r != nil || err != nil {
		return r, err
	}
	rs, err := a.lookup(ns, name)
	if err != nil {
		return nil, err
	}
	if version == "latest" {
		return jsonResponse(200, a.extensionDoc(latestOf(rs), rs), docTTLMs), nil
	}
	for i := range rs {
		if rs[i].version == version {
			return jsonResponse(200, a.extensionDoc(&rs[i], rs), docTTLMs), nil
		}
	}
	return nil, fail(404, "Extension not found: "+ns+"."+name+" "+version)
}

// versions answers GET /api/NS/EXT/versions (RegistryAPI.getVersions):
// {"offset", "totalSize", "versions": {version: url}}.
func (a api) versions(ns, name string) (*sdk.Response, error) {
	if r, err := a.assembledVersions(ns, name); r != nil || err != nil {
		return r, err
	}
	if r, err := a.listedVersions(ns, name); r != nil || err != nil {
		return r, err
	}
	rs, err := a.lookup(ns, name)
	if err != nil {
		return nil, err
	}
	vs := map[string]string{}
	extURL := a.base() + "/api/" + strings.ToLower(ns) + "/" + strings.ToLower(name)
	for _, r := range rs {
		vs[r.version] = extURL + "/" + r.version
	}
	return jsonResponse(200, map[string]any{"offset": 0, "totalSize": len(rs), "versions": vs}, docTTLMs), nil
}

// namespace answers GET /api/NS (RegistryAPI.getNamespace).
func (a api) namespace(ns string) (*sdk.Response, error) {
	if !validName(ns) {
		return nil, fail(400, "invalid namespace name "+quote(ns))
	}
	key := strings.ToLower(ns)
	created, ok, err := a.h.KVGet(namespaceNS, key)
	if err != nil {
		return nil, err
	}
	exts := map[string]string{}
	err = sdk.EachPackage(a.h, key+".", maxNamespace, func(p sdk.PackageInfo) error {
		name := strings.TrimPrefix(p.Name, key+".")
		exts[name] = a.base() + "/api/" + key + "/" + name
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !ok && len(exts) == 0 {
		return nil, fail(404, "Namespace not found: "+ns)
	}
	name := string(created)
	if name == "" {
		name = key
	}
	return jsonResponse(200, map[string]any{"name": name, "extensions": exts, "verified": false, "access": "restricted"}, docTTLMs), nil
}

// verifyPAT answers GET /api/NS/verify-pat: the host has already checked
// that the caller may read the repository; the namespace must exist.
func (a api) verifyPAT(ns string) (*sdk.Response, error) {
	if !validName(ns) {
		return nil, fail(400, "invalid namespace name "+quote(ns))
	}
	if _, ok, err := a.h.KVGet(namespaceNS, strings.ToLower(ns)); err != nil {
		return nil, err
	} else if !ok {
		return nil, fail(404, "Namespace not found: "+ns)
	}
	if a.req.User == "" {
		return nil, fail(401, "a token is required")
	}
	return jsonResponse(200, map[string]string{"success": "Valid token"}, 0), nil
}

// search answers GET /api/-/search (RegistryAPI.search): query matches
// the id, display name and description; size and offset page.
func (a api) search() (*sdk.Response, error) {
	q, err := url.ParseQuery(a.req.RawQuery)
	if err != nil {
		return nil, fail(400, "malformed query")
	}
	size, offset := defaultSize, 0
	if s := q.Get("size"); s != "" {
		if size, err = strconv.Atoi(s); err != nil || size < 0 || size > maxSize {
			return nil, fail(400, "size must be between 0 and 100")
		}
	}
	if s := q.Get("offset"); s != "" {
		if offset, err = strconv.Atoi(s); err != nil || offset < 0 {
			return nil, fail(400, "offset must be a non-negative integer")
		}
	}
	term := strings.ToLower(q.Get("query"))
	var hits []map[string]any
	err = sdk.EachPackage(a.h, "", maxPackages, func(p sdk.PackageInfo) error {
		ns, name, ok := strings.Cut(p.Name, ".")
		if !ok {
			return nil
		}
		rs, err := a.releases(ns, name)
		if err != nil || len(rs) == 0 {
			return err
		}
		l := latestOf(rs).meta()
		if term != "" && !strings.Contains(p.Name, term) && !strings.Contains(strings.ToLower(l.DisplayName), term) &&
			!strings.Contains(strings.ToLower(l.Description), term) {
			return nil
		}
		extURL := a.base() + "/api/" + ns + "/" + name
		hits = append(hits, map[string]any{"url": extURL, "files": map[string]string{
			"download": a.base() + "/" + fileDir(ns, name, l.Version) + url.PathEscape(l.Files["download"])},
			"name": name, "namespace": ns, "version": l.Version, "timestamp": timestamp(latestOf(rs).createdMs),
			"verified": false, "displayName": l.DisplayName, "description": l.Description, "downloadCount": 0,
			"averageRating": nil, "reviewCount": 0, "deprecated": false})
		return nil
	})
	if err != nil {
		return nil, err
	}
	page := []map[string]any{}
	for i := offset; i < len(hits) && i < offset+size; i++ {
		page = append(page, hits[i])
	}
	return jsonResponse(200, map[string]any{"offset": offset, "totalSize": len(hits), "extensions": page}, docTTLMs), nil
}
