package conan

import (
	"encoding/json"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// maxEntries bounds what one request reads of a listing (revisions of a
// reference, files of a revision, references of a search).
const maxEntries = 100000

// serve answers a parsed v2/conans path.
func (r route) serve(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	get := req.Method == "GET" || req.Method == "HEAD"
	switch {
	case r.kind == kRecipeFile || r.kind == kPackageFile:
		switch {
		case req.Method == "PUT":
			return r.upload(h, req)
		case get:
			return r.download(h)
		}
	case req.Method == "DELETE":
		switch r.kind {
		case kRecipe, kRecipeRev, kPackages, kPackageRev:
			return r.remove(h)
		}
	case !get:
	case r.kind == kLatest:
		return r.latestRecipe(h)
	case r.kind == kRevisions:
		return r.recipeRevisions(h)
	case r.kind == kRecipeFiles || r.kind == kPackageFiles:
		return r.files(h)
	case r.kind == kSearchLatest || r.kind == kRecipeSearch:
		return r.searchPackages(h)
	case r.kind == kPackageLatest:
		return r.latestPackage(h)
	case r.kind == kPackageRevs:
		return r.packageRevisions(h)
	}
	return methodNotAllowed(req), nil
}

// revision is one recorded revision with its upload time.
type revision struct {
	id   string
	ms   int64
	meta []byte
}

// versions reads every revision recorded under the reference.
func versions(h sdk.Host, rf ref) ([]sdk.VersionInfo, error) {
	var out []sdk.VersionInfo
	err := sdk.EachVersion(h, rf.String(), maxEntries, func(v sdk.VersionInfo) error {
		out = append(out, v)
		return nil
	})
	return out, err
}

// recipeRevs are the reference's recipe revisions, newest first.
func recipeRevs(vs []sdk.VersionInfo) []revision {
	var out []revision
	for _, v := range vs {
		if !strings.Contains(v.Version, ":") {
			out = append(out, revision{id: v.Version, ms: v.CreatedMs, meta: v.Metadata})
		}
	}
	return newestFirst(out)
}

// packageRevs are the revisions of package pkgid of recipe revision rrev,
// newest first.
func packageRevs(vs []sdk.VersionInfo, rrev, pkgid string) []revision {
	prefix := rrev + ":" + pkgid + "#"
	var out []revision
	for _, v := range vs {
		if p, ok := strings.CutPrefix(v.Version, prefix); ok {
			out = append(out, revision{id: p, ms: v.CreatedMs, meta: v.Metadata})
		}
	}
	return newestFirst(out)
}

func newestFirst(rs []revision) []revision {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].ms != rs[j].ms {
			return rs[i].ms > rs[j].ms
		}
		return rs[i].id < rs[j].id
	})
	return rs
}

func has(vs []sdk.VersionInfo, version string) bool {
	for _, v := range vs {
		if v.Version == version {
			return true
		}
	}
	return false
}

func recipeNotFound(rf ref, rrev string) *sdk.Response {
	s := rf.String()
	if rrev != "" {
		s += "#" + rrev
	}
	return conanError(404, "Recipe not found: '"+s+"'")
}

func (r route) packageNotFound() *sdk.Response {
	s := r.ref.String() + "#" + r.rrev + ":" + r.pkgid
	if r.prev != "" {
		s += "#" + r.prev
	}
	return conanError(404, "Binary package not found: '"+s+"'")
}

// appendRevision appends {"revision":ID,"time":ISO-8601}.
func appendRevision(b []byte, rv revision) []byte {
	b = append(b, `{"revision":`...)
	b = sdk.AppendJSONString(b, rv.id)
	b = append(b, `,"time":"`...)
	b = appendTime(b, rv.ms)
	return append(b, `"}`...)
}

// appendRevisionList appends {"reference":REF,"revisions":[…]}.
func appendRevisionList(b []byte, reference string, rs []revision) []byte {
	b = append(b, `{"reference":`...)
	b = sdk.AppendJSONString(b, reference)
	b = append(b, `,"revisions":[`...)
	for i, rv := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRevision(b, rv)
	}
	return append(b, "]}"...)
}

// latestRecipe answers the newest recipe revision: assembled by the host
// (assembled.go), else from the host-written text (recipetext.go) or the rows.
func (r route) latestRecipe(h sdk.Host) (*sdk.Response, error) {
	if resp, ok := r.assembledRevisions(h, true); ok {
		return resp, nil
	}
	if obj, ok := latestRevision(h, r.ref); ok {
		if obj == nil {
			return recipeNotFound(r.ref, ""), nil
		}
		return jsonResponse(200, obj), nil
	}
	vs, err := versions(h, r.ref)
	if err != nil {
		return nil, err
	}
	rs := recipeRevs(vs)
	if len(rs) == 0 {
		return recipeNotFound(r.ref, ""), nil
	}
	return jsonResponse(200, appendRevision(nil, rs[0])), nil
}

// recipeRevisions answers the recipe revisions, newest first: assembled by
// the host (assembled.go), else from the host-written text (recipetext.go)
// or the rows.
func (r route) recipeRevisions(h sdk.Host) (*sdk.Response, error) {
	if resp, ok := r.assembledRevisions(h, false); ok {
		return resp, nil
	}
	if ls, ok := revisionLines(h, r.ref); ok {
		if len(ls) == 0 {
			return recipeNotFound(r.ref, ""), nil
		}
		return jsonResponse(200, revisionListText(r.ref.String(), ls)), nil
	}
	vs, err := versions(h, r.ref)
	if err != nil {
		return nil, err
	}
	rs := recipeRevs(vs)
	if len(rs) == 0 {
		return recipeNotFound(r.ref, ""), nil
	}
	return jsonResponse(200, appendRevisionList(nil, r.ref.String(), rs)), nil
}

func (r route) latestPackage(h sdk.Host) (*sdk.Response, error) {
	vs, err := versions(h, r.ref)
	if err != nil {
		return nil, err
	}
	if !has(vs, r.rrev) {
		return recipeNotFound(r.ref, r.rrev), nil
	}
	rs := packageRevs(vs, r.rrev, r.pkgid)
	if len(rs) == 0 {
		return r.packageNotFound(), nil
	}
	return jsonResponse(200, appendRevision(nil, rs[0])), nil
}

func (r route) packageRevisions(h sdk.Host) (*sdk.Response, error) {
	vs, err := versions(h, r.ref)
	if err != nil {
		return nil, err
	}
	if !has(vs, r.rrev) {
		return recipeNotFound(r.ref, r.rrev), nil
	}
	rs := packageRevs(vs, r.rrev, r.pkgid)
	if len(rs) == 0 {
		return r.packageNotFound(), nil
	}
	return jsonResponse(200, appendRevisionList(nil, r.ref.String()+"#"+r.rrev+":"+r.pkgid, rs)), nil
}

// files lists a complete revision's files: {"files": {"NAME": {}, …}}.
func (r route) files(h sdk.Host) (*sdk.Response, error) {
	vs, err := versions(h, r.ref)
	if err != nil {
		return nil, err
	}
	if !has(vs, r.rrev) {
		return recipeNotFound(r.ref, r.rrev), nil
	}
	if r.prev != "" && !has(vs, r.versionKey()) {
		return r.packageNotFound(), nil
	}
	prefix := r.filesPath()
	b := []byte(`{"files":{`)
	n := 0
	err = sdk.EachFile(h, prefix, "", maxEntries, func(f sdk.File) error {
		name := strings.TrimPrefix(f.Path, prefix)
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = sdk.AppendJSONString(b, name)
		b = append(b, ":{}"...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return jsonResponse(200, append(b, "}}"...)), nil
}

// download serves a stored file (the host answers stored paths itself; this
// runs for remote repositories and for paths that are not stored).
func (r route) download(h sdk.Host) (*sdk.Response, error) {
	f, err := h.GetFile(r.filesPath() + r.file)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return conanError(404, "file "+clip(r.file)+" not found in "+r.ref.String()+"#"+r.versionKey()), nil
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: f.Path}, nil
}

// searchPackages answers a recipe revision's binaries (the latest revision
// for …/search): {PKGID: {"content": conaninfo.txt}} of each package's
// newest revision, which the client parses itself (load_binary_info in
// conans/client/remote_manager.py).
func (r route) searchPackages(h sdk.Host) (*sdk.Response, error) {
	vs, err := versions(h, r.ref)
	if err != nil {
		return nil, err
	}
	rrev := r.rrev
	if rrev == "" {
		rs := recipeRevs(vs)
		if len(rs) == 0 {
			return recipeNotFound(r.ref, ""), nil
		}
		rrev = rs[0].id
	} else if !has(vs, rrev) {
		return recipeNotFound(r.ref, rrev), nil
	}
	newest := map[string]revision{}
	var ids []string
	for _, v := range vs {
		rest, ok := strings.CutPrefix(v.Version, rrev+":")
		if !ok {
			continue
		}
		pkgid, _, _ := strings.Cut(rest, "#")
		old, seen := newest[pkgid]
		if !seen {
			ids = append(ids, pkgid)
		}
		if !seen || v.CreatedMs > old.ms {
			newest[pkgid] = revision{ms: v.CreatedMs, meta: v.Metadata}
		}
	}
	sort.Strings(ids)
	b := []byte{'{'}
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = sdk.AppendJSONString(b, id)
		b = append(b, `:{"content":`...)
		b = sdk.AppendJSONString(b, conaninfoOf(newest[id].meta))
		b = append(b, '}')
	}
	return jsonResponse(200, append(b, '}')), nil
}

// packageMeta is what a package revision records: its conaninfo.txt.
type packageMeta struct {
	ConanInfo string `json:"conaninfo"`
}

func conaninfoOf(meta []byte) string {
	var m packageMeta
	_ = json.Unmarshal(meta, &m)
	return m.ConanInfo
}
