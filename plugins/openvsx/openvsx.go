package openvsx

import (
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// PluginVersion is the plugin version reported by describe.
const PluginVersion = "0.1.0"

// Plugin implements sdk.Plugin for VS Code extensions: the Open VSX
// registry API (https://open-vsx.org/swagger-ui/index.html; server
// org.eclipse.openvsx.RegistryAPI) as the ovsx CLI 0.10+ (lib/registry.js)
// calls it.
//
// Routes under /openvsx/<repo> (ovsx --registryUrl http://HOST/openvsx/<repo>):
//
//	POST /api/-/namespace/create              create a namespace ({"name"}) → 201
//	POST /api/-/publish                       publish a .vsix (the raw body) → 201 extension
//	GET  /api/-/search?query=&size=&offset=   search (name, display name, description)
//	GET  /api/NS                              a namespace and its extensions
//	GET  /api/NS/verify-pat                   {"success"} for a caller who may publish
//	GET  /api/NS/EXT                          the latest version's extension document
//	GET  /api/NS/EXT/versions                 every version's URL
//	GET  /api/NS/EXT/VERSION                  one version's extension document
//	GET  /api/NS/EXT/VERSION/file/NAME        the .vsix, package.json, README, CHANGELOG, LICENSE, .sha256 (fast path)
//	POST /vscode/gallery/extensionquery       the VS Code Marketplace query (gallery.go)
//	GET  /vscode/asset/NS/EXT/VERSION/TYPE    an asset the query names
//	     /vscode/_apis/gallery/...            what vsce publish calls (vsce.go)
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "openvsx", DisplayName: "Open VSX (VS Code extensions)", Version: PluginVersion,
		ContractVersion: sdk.ContractVersion, Credentials: credentials, Setup: setup, Aliases: []string{"vscode"},
		Mounts: []sdk.Mount{{Prefix: "/openvsx/", AnonymousPaths: []string{galleryQueryPath}, ReadPaths: []string{vsceLocationsPath}}}}
}

// galleryQueryPath is the Marketplace query (gallery.go), a read sent as POST.
const galleryQueryPath = "/vscode/gallery/extensionquery"

// vsceLocationsPath is vsce's CORS-style OPTIONS for resource locations
// (vsce.go): a read, so the host authorizes it as one (contract 0.6.0).
const vsceLocationsPath = "/vscode/_apis/gallery"

// Names as vsce and Open VSX accept them (publisher and extension name:
// letters, digits, '-' and '_', starting with a letter or digit).
var nameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`)

func validName(s string) bool    { return nameRe.MatchString(s) }
func validVersion(s string) bool { return len(s) <= 128 && semver.Valid(s) }

// Handle implements sdk.Plugin. Errors are answered as Open VSX does,
// {"error": "..."}, which ovsx prints.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	resp, err := route(h, req)
	var ve *vsxError
	if errors.As(err, &ve) {
		return jsonResponse(ve.Status, map[string]string{"error": ve.Detail}, 0), nil
	}
	return resp, err
}

type vsxError struct {
	Status int
	Detail string
}

func (e *vsxError) Error() string { return e.Detail }

func fail(status int, detail string) error { return &vsxError{Status: status, Detail: detail} }

func jsonResponse(status int, v any, ttl uint64) *sdk.Response {
	b, _ := json.Marshal(v)
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: ttl,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func route(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return nil, sdk.Errorf(404, "repository not found")
	}
	p, err := url.PathUnescape(req.Path)
	if err != nil || !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") || len(p) > 1024 {
		return nil, fail(400, "bad path")
	}
	segs := strings.Split(strings.Trim(p, "/"), "/")
	a := api{h: h, req: req}
	if p == galleryQueryPath && req.Method == "POST" {
		return a.extensionQuery()
	}
	if len(segs) == 6 && segs[0] == "vscode" && segs[1] == "asset" && (req.Method == "GET" || req.Method == "HEAD") {
		return a.asset(segs[2], segs[3], segs[4], segs[5])
	}
	if len(segs) >= 3 && segs[0] == "vscode" && segs[1] == "_apis" && segs[2] == "gallery" {
		return a.vsce(segs[3:])
	}
	if len(segs) < 2 || segs[0] != "api" {
		return nil, fail(404, "not found: "+p)
	}
	switch req.Method {
	case "POST":
		switch {
		case len(segs) == 3 && segs[1] == "-" && segs[2] == "publish":
			return a.publish()
		case len(segs) == 4 && segs[1] == "-" && segs[2] == "namespace" && segs[3] == "create":
			return a.createNamespace()
		}
		return nil, fail(404, "not found: "+p)
	case "GET", "HEAD":
	default:
		return nil, fail(405, "method "+req.Method+" not allowed")
	}
	if req.RawQuery != "" && req.Repo.Kind != "" && req.Repo.Kind != "local" && segs[1] != "-" {
		// A remote or virtual repository's GET with a query reaches the
		// plugin, which holds no documents there: send the client to the
		// query-less document, which the host fetches or merges.
		return &sdk.Response{Status: 302, Headers: []sdk.Header{{Name: "Location", Value: req.Repo.BaseURL + p}}}, nil
	}
	switch {
	case len(segs) == 3 && segs[1] == "-" && segs[2] == "search":
		return a.search()
	case segs[1] == "-":
		return nil, fail(404, "not found: "+p)
	case len(segs) == 2:
		return a.namespace(segs[1])
	case len(segs) == 3 && segs[2] == "verify-pat":
		return a.verifyPAT(segs[1])
	case len(segs) == 3:
		return a.latest(segs[1], segs[2])
	case len(segs) == 4 && segs[3] == "versions":
		return a.versions(segs[1], segs[2])
	case len(segs) == 4:
		return a.version(segs[1], segs[2], segs[3])
	}
	// Stored files are served by the host before the plugin is called.
	return nil, fail(404, "not found: "+p)
}
