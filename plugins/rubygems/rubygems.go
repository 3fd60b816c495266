package rubygems

import (
	"net/url"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Version is the plugin version reported by describe.
const Version = "0.1.0"

// Limits. max_gem_bytes and max_unpacked_bytes can be set per repository.
const (
	defaultMaxGem      = 2 << 30   // one .gem
	defaultMaxUnpacked = 512 << 20 // sum of data.tar.gz's entry sizes
	maxMetaGz          = 1 << 20   // metadata.gz as stored in the .gem
	maxMetaYAML        = 4 << 20   // metadata.gz decompressed
	maxChecksumsGz     = 64 << 10
	maxGemEntries      = 16     // entries of the outer .gem tar
	maxDataEntries     = 100000 // entries of data.tar.gz
	maxPackages        = 200000 // gems one index document lists
	maxVersions        = 20000  // versions read for one gem
	maxDepQuery        = 200    // gems one dependency API call asks for
	indexTTLMs         = 5 * 60 * 1000
)

// Plugin implements sdk.Plugin for RubyGems repositories.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{
		Key: "rubygems", DisplayName: "RubyGems", Version: Version,
		ContractVersion: sdk.ContractVersion,
		Mounts:          []sdk.Mount{{Prefix: "/gems/"}},
		Credentials:     credentials, Setup: setup,
	}
}

// Handle implements sdk.Plugin. Paths (after /gems/{repo}):
//
//	GET  /specs.4.8.gz, /latest_specs.4.8.gz, /prerelease_specs.4.8.gz   Marshal spec indexes
//	GET  /quick/Marshal.4.8/NAME-V.gemspec.rz, /gems/NAME-V.gem           stored files (host fast path)
//	GET  /versions, /info/NAME, /names                                    compact index
//	GET  /api/v1/dependencies[.json]?gems=a,b                             dependency API
//	POST /api/v1/gems                                                     gem push
//	DELETE /api/v1/gems/yank                                              gem yank
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return plain(404, "repository not found\n"), nil
	}
	p, err := url.PathUnescape(req.Path)
	if err != nil || !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") {
		return plain(404, "not found\n"), nil
	}
	p = p[1:]
	get := req.Method == "GET" || req.Method == "HEAD"
	switch {
	case p == "api/v1/gems":
		if req.Method != "POST" {
			return plain(405, "push is POST /api/v1/gems\n"), nil
		}
		return push(h, req)
	case p == "api/v1/gems/yank":
		if req.Method != "DELETE" {
			return plain(405, "yank is DELETE /api/v1/gems/yank\n"), nil
		}
		return yank(h, req)
	case req.Method == "PUT":
		return deploy(h, req, p)
	case !get:
		return plain(405, "method "+req.Method+" not allowed\n"), nil
	case p == "specs.4.8.gz" || p == "latest_specs.4.8.gz" || p == "prerelease_specs.4.8.gz":
		return serveSpecs(h, strings.TrimSuffix(p, "specs.4.8.gz"))
	case p == "versions":
		return serveVersions(h)
	case p == "names":
		return serveNames(h)
	case strings.HasPrefix(p, "info/"):
		return serveInfo(h, p[len("info/"):])
	case p == "api/v1/dependencies" || p == "api/v1/dependencies.json":
		return serveDependencies(h, req.RawQuery, strings.HasSuffix(p, ".json"))
	case strings.HasPrefix(p, "gems/") || strings.HasPrefix(p, "quick/Marshal.4.8/"):
		// Stored files are served by the host; what reaches here is absent.
		return plain(404, "not found\n"), nil
	}
	return plain(404, "not found\n"), nil
}

// plain is a text answer: gem prints the body of any failed request.
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
