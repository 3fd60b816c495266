package nuget

import (
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// NuGet server API: https://learn.microsoft.com/en-us/nuget/api/overview
// (v3); the v2 OData feed is the protocol of NuGet 2.x clients
// (https://learn.microsoft.com/en-us/nuget/api/overview#nugetorg-protocols and
// https://joelverhagen.github.io/NuGetUndocs/, the behaviour of NuGet.Server).

// Version is the plugin version reported by describe.
const Version = "0.1.0"

// Limits; max_nupkg_bytes and max_unpacked_bytes can be set per repository.
const (
	defaultMaxNupkg    = 1 << 30
	defaultMaxUnpacked = 2 << 30
	maxEntries         = 50000
	maxNuspec          = 1 << 20
	maxVersions        = 10000
	maxSearchScan      = 10000
	indexTTLMs         = 5 * 60 * 1000
)

// Plugin implements sdk.Plugin for NuGet repositories.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{
		Key: "nuget", DisplayName: "NuGet", Version: Version,
		ContractVersion: sdk.ContractVersion,
		Mounts:          []sdk.Mount{{Prefix: "/nuget/"}},
		Credentials:     credentials, Setup: setup,
		// Chocolatey and PowerShellGet feeds are NuGet feeds.
		Aliases: []string{"chocolatey", "powershell"},
	}
}

// Handle implements sdk.Plugin. Paths (after /nuget/{repo}):
//
//	GET  /v3/index.json                                   service index
//	GET  /v3/package/{id}/index.json                      PackageBaseAddress versions
//	GET  /v3/package/{id}/{ver}/{id}.{ver}.nupkg|.nuspec  stored files (host fast path)
//	GET  /v3/registration/{id}/index.json, /{ver}.json    RegistrationsBaseUrl
//	GET  /v3/query?q=&skip=&take=&prerelease=             SearchQueryService
//	PUT  /api/v2/package                                  PackagePublish (multipart or raw .nupkg)
//	DELETE /api/v2/package/{id}/{ver}                     unlist; POST relists
//	GET  /api/v2/, /api/v2/$metadata, /api/v2/Packages(Id=,Version=),
//	     /api/v2/FindPackagesById()?id=, /api/v2/Search()  v2 OData feed
//	GET  /api/v2/package/{id}/{ver}                       v2 download
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return jsonError(404, "repository not found"), nil
	}
	p, err := url.PathUnescape(req.Path)
	if err != nil || !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") {
		return jsonError(404, "not found"), nil
	}
	p = p[1:]
	get := req.Method == "GET" || req.Method == "HEAD"
	if rest, ok := strings.CutPrefix(p, "api/v2/package"); ok && (rest == "" || rest == "/") {
		if req.Method != "PUT" && req.Method != "POST" {
			return jsonError(405, "publish is PUT /api/v2/package"), nil
		}
		return publish(h, req)
	}
	if rest, ok := strings.CutPrefix(p, "api/v2/package/"); ok {
		segs := strings.Split(rest, "/")
		if len(segs) != 2 {
			return jsonError(404, "not found"), nil
		}
		switch {
		case req.Method == "DELETE":
			return setListed(h, segs[0], segs[1], false)
		case req.Method == "POST":
			return setListed(h, segs[0], segs[1], true)
		case get:
			return download(h, segs[0], segs[1])
		}
		return jsonError(405, "method "+req.Method+" not allowed"), nil
	}
	if req.Method == "PUT" {
		return deploy(h, req, p)
	}
	if !get {
		return jsonError(405, "method "+req.Method+" not allowed"), nil
	}
	switch {
	case p == "v3/index.json" || p == "index.json":
		return serviceIndex(req.Repo), nil
	case p == "v3/query":
		return search(h, req)
	case strings.HasPrefix(p, "v3/package/"):
		segs := strings.Split(p[len("v3/package/"):], "/")
		if len(segs) == 2 && segs[1] == "index.json" {
			return flatVersions(h, segs[0])
		}
		return jsonError(404, "not found"), nil
	case strings.HasPrefix(p, "v3/registration/"):
		segs := strings.Split(p[len("v3/registration/"):], "/")
		if len(segs) == 2 && segs[1] == "index.json" {
			return registrationIndex(h, req.Repo, segs[0])
		}
		if len(segs) == 2 && strings.HasSuffix(segs[1], ".json") {
			return registrationLeaf(h, req.Repo, segs[0], strings.TrimSuffix(segs[1], ".json"))
		}
		return jsonError(404, "not found"), nil
	case p == "api/v2" || strings.HasPrefix(p, "api/v2/"):
		return serveV2(h, req, strings.TrimPrefix(strings.TrimPrefix(p, "api/v2"), "/"))
	}
	return jsonError(404, "not found"), nil
}

func jsonError(status int, msg string) *sdk.Response {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return jsonResponse(status, b, 0)
}

func jsonResponse(status int, b []byte, ttl uint64) *sdk.Response {
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: ttl,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json; charset=utf-8"}}}
}

func configLimit(repo *sdk.RepoContext, key string, def uint64) uint64 {
	if v, err := strconv.ParseUint(repo.ConfigValue(key), 10, 64); err == nil && v > 0 {
		return v
	}
	return def
}

// record is what a version keeps.
type record struct {
	pieces // first: their presence is a prefix of the stored metadata
	Manifest
	Unlisted bool   `json:"unlisted,omitempty"`
	Size     uint64 `json:"size"`
	SHA512   string `json:"sha512"` // base64, as both protocols carry it
	created  int64
}

func (r *record) semver2() bool { return isSemVer2(r.OriginalVersion) }

// records returns a package's versions (lower-case id), oldest first.
func records(h sdk.Host, lid string) ([]record, error) {
	var out []record
	err := sdk.EachVersion(h, lid, maxVersions, func(v sdk.VersionInfo) error {
		var r record
		if json.Unmarshal(withoutPieces(v.Metadata), &r) == nil && strings.ToLower(r.ID) == lid {
			r.created = v.CreatedMs
			out = append(out, r)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return CompareVersions(out[i].Version, out[j].Version) < 0 })
	return out, err
}

// find returns one version by id and version in any case or form.
func find(h sdk.Host, id, version string) (*record, error) {
	v, ok := NormalizeVersion(version)
	if !ok || !idRe.MatchString(id) {
		return nil, nil
	}
	rs, err := records(h, strings.ToLower(id))
	if err != nil {
		return nil, err
	}
	for i := range rs {
		if strings.EqualFold(rs[i].Version, v) {
			return &rs[i], nil
		}
	}
	return nil, nil
}

// nupkgPath and nuspecPath are where the flat container (PackageBaseAddress)
// serves the files: lower-case id and normalized version.
func nupkgPath(id, ver string) string {
	lid, lv := strings.ToLower(id), strings.ToLower(ver)
	return "v3/package/" + lid + "/" + lv + "/" + lid + "." + lv + ".nupkg"
}

// v2Path is the v2 download path the feeds link (relative to /api/v2/),
// stored as a second name of the .nupkg.
func v2Path(id, ver string) string { return "package/" + id + "/" + ver }

func nuspecPath(id, ver string) string {
	lid, lv := strings.ToLower(id), strings.ToLower(ver)
	return "v3/package/" + lid + "/" + lv + "/" + lid + ".nuspec"
}

func download(h sdk.Host, id, version string) (*sdk.Response, error) {
	r, err := find(h, id, version)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return jsonError(404, "package "+id+" "+version+" not found"), nil
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: nupkgPath(r.ID, r.Version),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/octet-stream"}}}, nil
}
