package composer

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Composer repository protocol: https://getcomposer.org/doc/05-repositories.md#composer
// (packages.json, metadata-url, search), the composer 2 metadata format and
// its minification (https://github.com/composer/metadata-minifier), and the
// composer.json schema (https://getcomposer.org/doc/04-schema.md).

// Version is the plugin version reported by describe.
const Version = "0.1.0"

// Limits; max_zip_bytes and max_unpacked_bytes can be set per repository.
const (
	defaultMaxZip      = 1 << 30
	defaultMaxUnpacked = 1 << 30
	maxEntries         = 50000
	maxComposerJSON    = 1 << 20
	maxVersions        = 20000
	maxPackages        = 100000
	maxAvailable       = 10000 // names listed in packages.json
	maxSearchScan      = 10000
	indexTTLMs         = 5 * 60 * 1000
)

// nameRe is Composer's package name rule (lower case vendor/name).
var nameRe = regexp.MustCompile(`^[a-z0-9]([_.-]?[a-z0-9]+)*/[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*$`)

// Plugin implements sdk.Plugin for Composer repositories.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{
		Key: "composer", DisplayName: "Composer", Version: Version,
		ContractVersion: sdk.ContractVersion,
		Mounts:          []sdk.Mount{{Prefix: "/composer/"}},
		Credentials:     credentials, Setup: setup,
	}
}

// Handle implements sdk.Plugin. Paths (after /composer/{repo}):
//
//	GET  /packages.json                       repository root (metadata-url, search, available-packages)
//	GET  /p2/{vendor}/{name}.json, ~dev.json  composer 2 metadata (tagged / dev versions), minified
//	GET  /search.json?q=&type=                search
//	PUT|POST /api/packages[?version=V]        upload a zip holding composer.json
//	GET  /dists/{vendor}/{name}/{version}/…zip  the zip (host fast path)
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
	switch {
	case p == "api/packages":
		if req.Method != "PUT" && req.Method != "POST" {
			return jsonError(405, "upload is PUT or POST /api/packages"), nil
		}
		return upload(h, req)
	case !get:
		return jsonError(405, "method "+req.Method+" not allowed"), nil
	case p == "packages.json" || p == "":
		return serveRoot(h, req.Repo)
	case p == "search.json":
		return search(h, req)
	case strings.HasPrefix(p, "p2/") && strings.HasSuffix(p, ".json"):
		name := strings.TrimSuffix(p[len("p2/"):], ".json")
		dev := strings.HasSuffix(name, "~dev")
		return serveP2(h, req.Repo, strings.TrimSuffix(name, "~dev"), dev)
	}
	return jsonError(404, "not found"), nil
}

// jsonError is the error body; composer shows the status and the body.
func jsonError(status int, msg string) *sdk.Response {
	b, _ := json.Marshal(map[string]string{"status": "error", "message": msg})
	return jsonResponse(status, b, 0)
}

func jsonResponse(status int, b []byte, ttl uint64) *sdk.Response {
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: ttl,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
}
