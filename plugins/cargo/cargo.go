package cargo

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// Version is the plugin version reported by describe.
const Version = "0.1.0"

// Limits. The crate and unpacked caps can be changed per repository with
// the config keys max_crate_bytes and max_unpacked_bytes. The .crate is cut
// out of the publish body by the host (concat-ranges) and never enters the
// plugin, so by default only the framing's u32 length (and the host's body
// limit) bound it.
const (
	defaultMaxCrate    = 1<<32 - 1 // .crate bytes in one publish
	defaultMaxUnpacked = 512 << 20 // sum of the .crate's entry sizes
	maxJSON            = 1 << 20   // publish metadata JSON
	maxEntries         = 20000     // entries of one .crate
	maxVersions        = 20000     // versions read for one crate
	maxDeps            = 1000
	maxFeatures        = 1000
	maxVersionLen      = 256
	maxSearchScan      = 10000 // crates scanned by one search
	readChunk          = 1 << 20
	indexTTLMs         = 5 * 60 * 1000
)

// KV namespaces of the plugin.
const (
	nsCrates = "crates" // lower-cased name -> crateSummary JSON
	nsNames  = "names"  // canonical name (lower, '-' as '_') -> lower-cased name
)

// Plugin implements sdk.Plugin for Cargo registries.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{
		Key: "cargo", DisplayName: "Cargo", Version: Version,
		ContractVersion: sdk.ContractVersion,
		Mounts:          []sdk.Mount{{Prefix: "/cargo/"}},
		Credentials:     credentials, Setup: setup,
	}
}

// Handle implements sdk.Plugin. Paths (after /cargo/{repo}):
//
//	GET  /config.json                                sparse index configuration
//	GET  /{shard}/{name}                             index file (1/a, 2/ab, 3/a/abc, ab/cd/abcd)
//	PUT  /api/v1/crates/new                          publish
//	GET  /api/v1/crates/{name}/{version}/download    .crate (normally the host's fast path)
//	DELETE /api/v1/crates/{name}/{version}/yank, PUT …/unyank
//	GET  /api/v1/crates?q=&per_page=&page=           search
//	GET  /api/v1/crates/{name}/owners                owners
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return apiError(404, "repository not found"), nil
	}
	p, err := url.PathUnescape(req.Path)
	if err != nil || !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") {
		return apiError(404, "not found"), nil
	}
	p = p[1:]
	get := req.Method == "GET" || req.Method == "HEAD"
	if p == "config.json" {
		if !get {
			return apiError(405, "method "+req.Method+" not allowed on config.json"), nil
		}
		return serveConfig(req.Repo), nil
	}
	if rest, ok := strings.CutPrefix(p, "api/v1/crates"); ok {
		return handleAPI(h, req, rest, get)
	}
	if req.Method == "PUT" {
		return deploy(h, req, p)
	}
	if !get {
		return apiError(405, "method "+req.Method+" not allowed on the index"), nil
	}
	return serveIndex(h, p)
}

// handleAPI routes the registry web API
// (https://doc.rust-lang.org/cargo/reference/registry-web-api.html).
func handleAPI(h sdk.Host, req *sdk.Request, rest string, get bool) (*sdk.Response, error) {
	if rest == "" || rest == "/" {
		if !get {
			return apiError(405, "method "+req.Method+" not allowed"), nil
		}
		return search(h, req)
	}
	segs := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	switch {
	case len(segs) == 1 && segs[0] == "new":
		if req.Method != "PUT" {
			return apiError(405, "publish is PUT /api/v1/crates/new"), nil
		}
		return publish(h, req)
	case len(segs) == 2 && segs[1] == "owners":
		if !get {
			return apiError(405, "owners are managed through Keeper permissions"), nil
		}
		return owners(h, segs[0])
	case len(segs) == 3 && segs[2] == "download":
		if !get {
			return apiError(405, "method "+req.Method+" not allowed"), nil
		}
		return download(h, segs[0], segs[1])
	case len(segs) == 3 && segs[2] == "yank":
		if req.Method != "DELETE" {
			return apiError(405, "yank is DELETE …/yank"), nil
		}
		return setYanked(h, segs[0], segs[1], true)
	case len(segs) == 3 && segs[2] == "unyank":
		if req.Method != "PUT" {
			return apiError(405, "unyank is PUT …/unyank"), nil
		}
		return setYanked(h, segs[0], segs[1], false)
	}
	return apiError(404, "not found"), nil
}

// apiError is the registry API's error body, which cargo prints for any
// non-2xx status: {"errors":[{"detail":"…"}]}.
func apiError(status int, detail string) *sdk.Response {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"detail": detail}}})
	return jsonResponse(status, b)
}

func jsonResponse(status int, b []byte) *sdk.Response {
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: b,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
}

func plain(status int, s string) *sdk.Response {
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: []byte(s),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}}
}

// configLimit reads a positive byte limit from the repository config.
func configLimit(repo *sdk.RepoContext, key string, def uint64) uint64 {
	if v, err := strconv.ParseUint(repo.ConfigValue(key), 10, 64); err == nil && v > 0 {
		return v
	}
	return def
}

// downloadPath is where a .crate is stored: exactly the path cargo's default
// download URL ({dl}/{crate}/{version}/download) maps to, so the host serves
// downloads without calling the plugin.
func downloadPath(name, vers string) string {
	return "api/v1/crates/" + name + "/" + vers + "/download"
}

// parseVersion parses a crate version: strict SemVer 2.0.0
// (https://semver.org) of at most maxVersionLen bytes, the syntax cargo
// requires of every published crate; versions differing only in build
// metadata are the same version to cargo (see semver.WithoutBuild).
func parseVersion(s string) (semver.Version, bool) {
	if len(s) > maxVersionLen {
		return semver.Version{}, false
	}
	return semver.Parse(s)
}
