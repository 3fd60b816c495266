package ansible

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// Page sizes of the v3 list endpoints (limit/offset pagination).
const (
	defaultLimit = 100
	maxLimit     = 1000
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

// basePath is the repository's URL path ("/ansible/r"): v3 links are
// absolute paths, as Galaxy's are.
func (a api) basePath() string {
	u, err := url.Parse(a.req.Repo.BaseURL)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.EscapedPath(), "/")
}

func jsonResponse(status int, v any, ttl uint64) *sdk.Response {
	b, _ := json.Marshal(v)
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: ttl,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
}

func timestamp(ms int64) string {
	b, frac, ok := sdk.AppendUTC(nil, ms)
	if !ok {
		return ""
	}
	f := strconv.FormatInt(1000+frac, 10)[1:]
	return string(b) + "." + f + "000Z"
}

// page reads limit and offset of the query.
func (a api) page() (limit, offset int) {
	if a.req.RawQuery == "" {
		return maxVersions, 0 // the whole list, as remote and virtual repositories fetch it
	}
	q, _ := url.ParseQuery(a.req.RawQuery)
	limit, offset = defaultLimit, 0
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, maxLimit)
	}
	if n, err := strconv.Atoi(q.Get("offset")); err == nil && n > 0 {
		offset = n
	}
	return limit, offset
}

// paginated is the v3 list shape: meta.count, links, data.
func (a api) paginated(path string, total, limit, offset int, data any) map[string]any {
	first, prev, next, last := a.links(path, total, limit, offset)
	return map[string]any{"meta": map[string]int{"count": total},
		"links": map[string]any{"first": first, "previous": prev, "next": next, "last": last},
		"data":  data}
}

// sortedVersions returns the versions of NS.NAME, highest precedence first.
func (a api) sortedVersions(ns, name string) ([]sdk.VersionInfo, error) {
	type parsed struct {
		info sdk.VersionInfo
		v    semver.Version
	}
	var ps []parsed
	err := sdk.EachVersion(a.h, ns+"."+name, maxVersions, func(v sdk.VersionInfo) error {
		if sv, ok := semver.Parse(v.Version); ok && len(v.Version) <= 128 {
			v.Metadata = nil // not needed by the lists
			ps = append(ps, parsed{v, sv})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ps, func(x, y parsed) int { return y.v.Compare(x.v) })
	vs := make([]sdk.VersionInfo, len(ps))
	for i, p := range ps {
		vs[i] = p.info
	}
	return vs, nil
}

func (a api) collectionHref(ns, name string) string {
	return a.basePath() + "/api/v3/collections/" + ns + "/" + name + "/"
}

func (a api) versionHref(ns, name, version string) string {
	return a.collectionHref(ns, name) + "versions/" + url.PathEscape(version) + "/"
}

// collectionDoc is one collection of the v3 API, nil when it has no version.
func (a api) collectionDoc(ns, name string) (map[string]any, error) {
	vs, err := a.sortedVersions(ns, name)
	if err != nil || len(vs) == 0 {
		return nil, err
	}
	created, updated := vs[0].CreatedMs, vs[0].CreatedMs
	for _, v := range vs {
		created, updated = min(created, v.CreatedMs), max(updated, v.CreatedMs)
	}
	return map[string]any{"href": a.collectionHref(ns, name), "namespace": ns, "name": name, "deprecated": false,
		"versions_url": a.collectionHref(ns, name) + "versions/", "download_count": 0,
		"highest_version": map[string]string{"href": a.versionHref(ns, name, vs[0].Version), "version": vs[0].Version},
		"created_at":      timestamp(created), "updated_at": timestamp(updated)}, nil
}

func (a api) collections() (*sdk.Response, error) {
	limit, offset := a.page()
	var names []string
	err := sdk.EachPackage(a.h, "", maxPackages, func(p sdk.PackageInfo) error {
		names = append(names, p.Name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	data := []map[string]any{}
	for i := offset; i < len(names) && i < offset+limit; i++ {
		ns, name, _ := strings.Cut(names[i], ".")
		d, err := a.collectionDoc(ns, name)
		if err != nil {
			return nil, err
		}
		if d != nil {
			data = append(data, d)
		}
	}
	return jsonResponse(200, a.paginated("/api/v3/collections/", len(names), limit, offset, data), docTTLMs), nil
}

func (a api) collection(ns, name string) (*sdk.Response, error) {
	if !validName(ns) || !validName(name) {
		return nil, galaxyError(404, "not_found", "collection not found")
	}
	d, err := a.collectionDoc(ns, name)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, galaxyError(404, "not_found", "collection "+ns+"."+name+" not found")
	}
	return jsonResponse(200, d, docTTLMs), nil
}

func (a api) versions(ns, name string) (*sdk.Response, error) {
	if !validName(ns) || !validName(name) {
		return nil, galaxyError(404, "not_found", "collection not found")
	}
	limit, offset := a.page()
	if r, ok := a.assembledVersions(ns, name, limit, offset); ok {
		return r, nil
	}
	vs, err := a.sortedVersions(ns, name)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, galaxyError(404, "not_found", "collection "+ns+"."+name+" not found")
	}
	return bytesResponse(a.appendVersions(ns, name, vs, limit, offset)), nil
}

// bytesResponse is a JSON document already written, cached as jsonResponse's.
func bytesResponse(b []byte) *sdk.Response {
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: docTTLMs,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
}

// stored returns the artifact of NS.NAME VERSION and its metadata, nil when absent.
func (a api) stored(ns, name, version string) (*sdk.File, *versionMeta, error) {
	if !validName(ns) || !validName(name) || !validVersion(version) {
		return nil, nil, nil
	}
	f, err := a.h.GetFile(artifactPath(ns + "-" + name + "-" + version + ".tar.gz"))
	if err != nil || f == nil {
		return nil, nil, err
	}
	var m versionMeta
	if err := json.Unmarshal(f.Metadata, &m); err != nil {
		return nil, nil, err
	}
	return f, &m, nil
}

func (a api) version(ns, name, version string) (*sdk.Response, error) {
	if validName(ns) && validName(name) && validVersion(version) {
		f, err := a.h.GetFile(artifactPath(ns + "-" + name + "-" + version + ".tar.gz"))
		if err != nil {
			return nil, err
		}
		if f != nil {
			b, ok, err := a.appendVersion(ns, name, version, f)
			if err != nil {
				return nil, err
			}
			if ok {
				return bytesResponse(b), nil
			}
		}
	}
	f, m, err := a.stored(ns, name, version)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, galaxyError(404, "not_found", "collection "+ns+"."+name+" version "+version+" not found")
	}
	return jsonResponse(200, a.versionDoc(ns, name, version, f, m), docTTLMs), nil
}

// versionDoc is a version's detail (appendVersion writes the same bytes
// for a plain record).
func (a api) versionDoc(ns, name, version string, f *sdk.File, m *versionMeta) map[string]any {
	nonNil := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return map[string]any{
		"href": a.versionHref(ns, name, version), "namespace": map[string]string{"name": ns},
		"collection": map[string]string{"id": ns + "." + name, "name": name, "href": a.collectionHref(ns, name)},
		"name":       name, "version": version, "download_url": a.req.Repo.BaseURL + "/" + f.Path,
		"artifact":   map[string]any{"filename": m.Filename, "sha256": m.SHA256, "size": m.Size},
		"created_at": timestamp(f.CreatedMs), "updated_at": timestamp(f.CreatedMs), "requires_ansible": nil,
		"signatures": []any{}, "marks": []string{},
		"metadata": map[string]any{"dependencies": m.Dependencies, "authors": nonNil(m.Authors), "description": m.Description,
			"license": nonNil(m.License), "tags": nonNil(m.Tags), "repository": m.Repository, "documentation": m.Documentation,
			"homepage": m.Homepage, "issues": m.Issues, "signatures": []any{}},
	}
}

// task answers an import task: every stored import has completed.
func (a api) task(id string) (*sdk.Response, error) {
	p, ok, err := a.h.KVGet(importNS, id)
	if err != nil {
		return nil, err
	}
	var f *sdk.File
	if ok {
		if f, err = a.h.GetFile(string(p)); err != nil {
			return nil, err
		}
	}
	if f == nil {
		return nil, galaxyError(404, "not_found", "import task "+id+" not found")
	}
	var m versionMeta
	_ = json.Unmarshal(f.Metadata, &m)
	at := timestamp(f.CreatedMs)
	return jsonResponse(200, map[string]any{"id": id, "state": "completed", "created_at": at, "updated_at": at,
		"started_at": at, "finished_at": at, "error": nil, "namespace": m.Namespace, "name": m.Name, "version": m.Version,
		"messages": []map[string]string{{"level": "INFO", "message": "imported " + m.Namespace + "." + m.Name + " " + m.Version, "time": at}},
	}, 0), nil
}

// deleteVersion removes a version, its artifact and its task.
func (a api) deleteVersion(ns, name, version string) (*sdk.Response, error) {
	f, m, err := a.stored(ns, name, version)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, galaxyError(404, "not_found", "collection "+ns+"."+name+" version "+version+" not found")
	}
	if err := a.h.StageDelete(f.Path); err != nil {
		return nil, err
	}
	if err := a.h.StageVersion(sdk.VersionPut{Package: ns + "." + name, Version: version, Delete: true}); err != nil {
		return nil, err
	}
	if err := a.h.KVDelete(importNS, m.Task); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 204}, nil
}
