package puppet

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// Page sizes of the v3 list endpoints (the Forge's limit: 1–100, default 20).
const (
	defaultLimit = 20
	maxLimit     = 100
	maxVersions  = 100_000
	maxPackages  = 100_000
)

// docTTLMs is how long the host may keep a rendered document (any write to
// the repository drops it sooner).
const docTTLMs = 60 * 1000

type api struct {
	h   sdk.Host
	req *sdk.Request
}

// releaseMeta is what is stored with a tarball and its version.
type releaseMeta struct {
	Owner    string          `json:"owner"`
	Name     string          `json:"name"`
	Version  string          `json:"version"`
	Size     uint64          `json:"file_size"`
	SHA256   string          `json:"file_sha256"`
	MD5      string          `json:"file_md5"`
	Metadata json.RawMessage `json:"metadata"`
	// Tags (metadata's tags) and SortKey are stored when the release can
	// be assembled by the host (assembled.go).
	Tags    json.RawMessage `json:"tags,omitempty"`
	SortKey string          `json:"sort_key,omitempty"`
}

func (m *releaseMeta) module() string { return m.Owner + "-" + m.Name }
func (m *releaseMeta) slug() string   { return m.module() + "-" + m.Version }

func filePath(slug string) string { return "v3/files/" + slug + ".tar.gz" }

// release is a stored release; its record is decoded only when a document
// needs more than the version (a page of 20 of 200 decodes 20).
type release struct {
	version   string
	v         semver.Version
	raw       []byte
	createdMs int64
	parsed    *releaseMeta
}

func (r *release) meta() *releaseMeta {
	if r.parsed == nil {
		r.parsed = &releaseMeta{}
		_ = json.Unmarshal(r.raw, r.parsed)
	}
	return r.parsed
}

// timestamp is the Forge's time format ("2014-05-14 08:59:51 -0700"), in UTC.
func timestamp(ms int64) string {
	b, _, ok := sdk.AppendUTC(nil, ms)
	if !ok {
		return ""
	}
	b[10] = ' '
	return string(b) + " +0000"
}

// moduleReleases returns the releases of owner-name, highest version first.
func (a api) sortedReleases(module string) ([]release, error) {
	var rs []release
	err := sdk.EachVersion(a.h, module, maxVersions, func(v sdk.VersionInfo) error {
		if sv, ok := semver.Parse(v.Version); ok && len(v.Metadata) > 0 {
			rs = append(rs, release{version: v.Version, v: sv, raw: v.Metadata, createdMs: v.CreatedMs})
		}
		return nil
	})
	slices.SortFunc(rs, func(x, y release) int { return y.v.Compare(x.v) })
	return rs, err
}

func userDoc(owner string) map[string]any {
	return map[string]any{"uri": "/v3/users/" + owner, "slug": owner, "username": owner, "gravatar_id": nil}
}

func moduleAbbrev(owner, name string) map[string]any {
	return map[string]any{"uri": "/v3/modules/" + owner + "-" + name, "slug": owner + "-" + name, "name": name,
		"deprecated_at": nil, "owner": userDoc(owner)}
}

// releaseDoc is a release object of the v3 API, without the excluded fields.
func releaseDoc(r *release, exclude map[string]bool) map[string]any {
	m := r.meta()
	var md struct {
		Tags []string `json:"tags"`
	}
	_ = json.Unmarshal(m.Metadata, &md)
	if md.Tags == nil {
		md.Tags = []string{}
	}
	at := timestamp(r.createdMs)
	d := map[string]any{"uri": "/v3/releases/" + m.slug(), "slug": m.slug(), "module": moduleAbbrev(m.Owner, m.Name),
		"version": m.Version, "metadata": m.Metadata, "tags": md.Tags, "supported": false, "pdk": false,
		"validation_score": nil, "file_uri": "/" + filePath(m.slug()), "file_size": m.Size, "file_md5": m.MD5,
		"file_sha256": m.SHA256, "downloads": 0, "readme": nil, "changelog": nil, "license": nil, "reference": nil,
		"tasks": []any{}, "plans": []any{}, "created_at": at, "updated_at": at, "deleted_at": nil, "deleted_for": nil}
	for k := range exclude {
		delete(d, k)
	}
	return d
}

// moduleDoc is a module object of the v3 API, nil when it has no release.
func (a api) moduleDoc(owner, name string) (map[string]any, error) {
	rs, err := a.sortedReleases(owner + "-" + name)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	created, updated := rs[0].createdMs, rs[0].createdMs
	short := make([]map[string]any, len(rs))
	for i := range rs {
		r := &rs[i]
		created, updated = min(created, r.createdMs), max(updated, r.createdMs)
		m := r.meta()
		short[i] = map[string]any{"uri": "/v3/releases/" + m.slug(), "slug": m.slug(), "version": m.Version,
			"supported": false, "created_at": timestamp(r.createdMs), "deleted_at": nil,
			"file_uri": "/" + filePath(m.slug()), "file_size": m.Size}
	}
	var md struct {
		ProjectPage string `json:"project_page"`
		IssuesURL   string `json:"issues_url"`
	}
	_ = json.Unmarshal(rs[0].meta().Metadata, &md)
	d := moduleAbbrev(owner, name)
	for k, v := range map[string]any{"downloads": 0, "created_at": timestamp(created), "updated_at": timestamp(updated),
		"deprecated_for": nil, "superseded_by": nil, "supported": false, "endorsement": nil, "module_group": "base",
		"premium": false, "current_release": releaseDoc(&rs[0], nil), "releases": short, "feedback_score": nil,
		"homepage_url": md.ProjectPage, "issues_url": md.IssuesURL} {
		d[k] = v
	}
	return d, nil
}

func (a api) module(slug string) (*sdk.Response, error) {
	owner, name, ok := splitModule(slug)
	if !ok {
		return nil, fail(400, "module "+quote(slug)+" is not OWNER-NAME")
	}
	d, err := a.moduleDoc(owner, name)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, fail(404, "module "+owner+"-"+name+" not found")
	}
	return jsonResponse(200, d, docTTLMs), nil
}

// query is a list request's parameters.
type query struct {
	values        url.Values
	limit, offset int
}

func (a api) query() (query, error) {
	q, err := url.ParseQuery(a.req.RawQuery)
	if err != nil {
		return query{}, fail(400, "malformed query")
	}
	out := query{values: q, limit: defaultLimit}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return query{}, fail(400, "limit must be between 1 and 100")
		}
		out.limit = n
	}
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return query{}, fail(400, "offset must be a non-negative integer")
		}
		out.offset = n
	}
	return out, nil
}

// page is the v3 list shape: pagination (links are paths relative to the
// repository, as puppet requests them) and results.
func (q query) page(path string, keep []string, total int, results any) map[string]any {
	first, prev, cur, next := q.links(path, keep, total)
	return map[string]any{"pagination": map[string]any{"limit": q.limit, "offset": q.offset, "first": first,
		"previous": prev, "current": cur, "next": next, "total": total}, "results": results}
}

func excluded(q url.Values) map[string]bool {
	ex := map[string]bool{}
	for _, f := range strings.Split(q.Get("exclude_fields"), ",") {
		if f = strings.TrimSpace(f); f != "" {
			ex[f] = true
		}
	}
	return ex
}

// releasesKeep are the query parameters the links of /v3/releases keep.
var releasesKeep = []string{"module", "owner", "sort_by", "exclude_fields"}

// releases answers GET /v3/releases: the releases of one module (module=)
// or of every module (of one owner with owner=).
func (a api) releases() (*sdk.Response, error) {
	q, err := a.query()
	if err != nil {
		return nil, err
	}
	var modules []string
	if m := q.values.Get("module"); m != "" {
		owner, name, ok := splitModule(m)
		if !ok {
			return nil, fail(400, "module "+quote(m)+" is not OWNER-NAME")
		}
		if r, ok := a.assembledModulePage(q, owner, name, releasesKeep); ok {
			return r, nil
		}
		modules = []string{owner + "-" + name}
	} else {
		owner := strings.ToLower(q.values.Get("owner"))
		err := sdk.EachPackage(a.h, "", maxPackages, func(p sdk.PackageInfo) error {
			if o, _, ok := splitModule(p.Name); ok && (owner == "" || o == owner) {
				modules = append(modules, p.Name)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var all []release
	for _, m := range modules {
		rs, err := a.sortedReleases(m)
		if err != nil {
			return nil, err
		}
		all = append(all, rs...)
	}
	switch q.values.Get("sort_by") {
	case "release_date":
		slices.SortStableFunc(all, func(x, y release) int { return int(y.createdMs - x.createdMs) })
	case "", "version", "downloads", "module":
		// module then version: the order sortedReleases and the module list give.
	default:
		return nil, fail(400, "sort_by must be one of version, release_date, downloads, module")
	}
	var raws [][]byte
	var created []int64
	for i := q.offset; i < len(all) && i < q.offset+q.limit; i++ {
		raws, created = append(raws, all[i].raw), append(created, all[i].createdMs)
	}
	results, err := releaseObjects(a.h, raws, created, excluded(q.values))
	if err != nil {
		return nil, err
	}
	return bytesResponse(q.appendPage(nil, "/v3/releases", releasesKeep, len(all), results)), nil
}

// moduleReleases answers the query-less list of all of a module's
// releases that remote and virtual repositories redirect to.
func (a api) moduleReleases(slug string) (*sdk.Response, error) {
	owner, name, ok := splitModule(slug)
	if !ok {
		return nil, fail(400, "module "+quote(slug)+" is not OWNER-NAME")
	}
	if r, ok := a.assembledReleases(owner, name); ok {
		return r, nil
	}
	return a.renderedReleases(owner, name)
}

// renderedReleases is moduleReleases rendered by the guest.
func (a api) renderedReleases(owner, name string) (*sdk.Response, error) {
	rs, err := a.sortedReleases(owner + "-" + name)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, fail(404, "module "+owner+"-"+name+" not found")
	}
	raws, created := make([][]byte, len(rs)), make([]int64, len(rs))
	for i := range rs {
		raws[i], created[i] = rs[i].raw, rs[i].createdMs
	}
	results, err := releaseObjects(a.h, raws, created, nil)
	if err != nil {
		return nil, err
	}
	q := query{values: url.Values{}, limit: len(rs)}
	return bytesResponse(q.appendPage(nil, "/v3/modules/"+owner+"-"+name+"/releases", nil, len(rs), results)), nil
}

// modules answers GET /v3/modules (query= matches owner or name, owner= one owner).
func (a api) modules() (*sdk.Response, error) {
	q, err := a.query()
	if err != nil {
		return nil, err
	}
	term, owner := strings.ToLower(q.values.Get("query")), strings.ToLower(q.values.Get("owner"))
	var names []string
	err = sdk.EachPackage(a.h, "", maxPackages, func(p sdk.PackageInfo) error {
		o, _, ok := splitModule(p.Name)
		if ok && (owner == "" || o == owner) && (term == "" || strings.Contains(p.Name, term)) {
			names = append(names, p.Name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	results := []map[string]any{}
	for i := q.offset; i < len(names) && i < q.offset+q.limit; i++ {
		o, n, _ := splitModule(names[i])
		d, err := a.moduleDoc(o, n)
		if err != nil {
			return nil, err
		}
		if d != nil {
			results = append(results, d)
		}
	}
	return jsonResponse(200, q.page("/v3/modules", []string{"query", "owner"}, len(names), results), docTTLMs), nil
}

// stored returns the release owner-name-version, nil when absent.
func (a api) stored(slug string) (*sdk.File, *release, error) {
	owner, name, version, ok := splitRelease(slug)
	if !ok {
		return nil, nil, fail(400, "release "+quote(slug)+" is not OWNER-NAME-VERSION")
	}
	f, err := a.h.GetFile(filePath(owner + "-" + name + "-" + version))
	if err != nil || f == nil {
		return nil, nil, err
	}
	var m releaseMeta
	if err := json.Unmarshal(f.Metadata, &m); err != nil {
		return nil, nil, err
	}
	v, _ := semver.Parse(m.Version)
	return f, &release{version: m.Version, v: v, createdMs: f.CreatedMs, parsed: &m}, nil
}

func (a api) release(slug string) (*sdk.Response, error) {
	owner, name, version, ok := splitRelease(slug)
	if !ok {
		return nil, fail(400, "release "+quote(slug)+" is not OWNER-NAME-VERSION")
	}
	f, err := a.h.GetFile(filePath(owner + "-" + name + "-" + version))
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, fail(404, "release "+slug+" not found")
	}
	m, err := sdk.JSONMembers(a.h, [][]byte{f.Metadata}, recordKeys, sdk.MemberCompactHTML)
	if err != nil {
		return nil, err
	}
	tags, err := sdk.JSONMembers(a.h, [][]byte{m.Value(0, kMetadata)}, []string{"tags"}, sdk.MemberCompactHTML)
	if err != nil {
		return nil, err
	}
	if b, ok := fastRelease(&m, &tags, 0, f.CreatedMs, nil); ok {
		return bytesResponse(b), nil
	}
	_, r, err := a.stored(slug)
	if err != nil {
		return nil, err
	}
	return jsonResponse(200, releaseDoc(r, nil), docTTLMs), nil
}

// deleteRelease removes a release and its tarball.
func (a api) deleteRelease(slug string) (*sdk.Response, error) {
	f, r, err := a.stored(slug)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, fail(404, "release "+slug+" not found")
	}
	if err := a.h.StageDelete(f.Path); err != nil {
		return nil, err
	}
	if err := a.h.StageVersion(sdk.VersionPut{Package: r.meta().module(), Version: r.version, Delete: true}); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 204}, nil
}
