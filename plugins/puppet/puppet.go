package puppet

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

// Plugin implements sdk.Plugin for Puppet modules: the Puppet Forge v3 API
// (https://forgeapi.puppet.com/, API version 29) as read by
// `puppet module install` (lib/puppet/forge.rb of Puppet 7) and published
// to with POST /v3/releases.
//
// Routes under /puppet/<repo> (every path is relative to the repository,
// as puppet appends them to its module_repository):
//
//	GET    /v3/modules                        modules (paginated: limit, offset; query filters)
//	GET    /v3/modules/OWNER-NAME             one module: current_release, releases
//	GET    /v3/modules/OWNER-NAME/releases    Keeper: all its releases, no query (remote and virtual repositories)
//	GET    /v3/releases?module=OWNER-NAME     releases (paginated: limit, offset; sort_by, exclude_fields)
//	GET    /v3/releases/OWNER-NAME-VERSION    one release: metadata, file_uri, file_sha256, file_md5
//	GET    /v3/files/OWNER-NAME-VERSION.tar.gz the module tarball (the host's fast path)
//	POST   /v3/releases                       publish (multipart: file) → 201 {"uri", "slug"}
//	DELETE /v3/releases/OWNER-NAME-VERSION    remove a release
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "puppet", DisplayName: "Puppet Forge", Version: PluginVersion, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/puppet/"}}, Credentials: credentials, Setup: setup}
}

// Module names as Puppet checks them (Puppet::ModuleTool.is_module_name?
// and the Forge's owner rule): the owner is letters and digits, the name a
// lower-case letter followed by lower-case letters, digits and underscores.
var (
	ownerRe = regexp.MustCompile(`^[a-zA-Z0-9]{1,64}$`)
	nameRe  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

// splitModule splits "owner-name" (or "owner/name", as metadata.json may
// spell it) into its lower-cased owner and name.
func splitModule(s string) (owner, name string, ok bool) {
	i := strings.IndexAny(s, "-/")
	if i < 0 {
		return "", "", false
	}
	owner, name = strings.ToLower(s[:i]), s[i+1:]
	return owner, name, ownerRe.MatchString(owner) && nameRe.MatchString(name)
}

// splitRelease splits "owner-name-version".
func splitRelease(s string) (owner, name, version string, ok bool) {
	parts := strings.SplitN(s, "-", 3)
	if len(parts) != 3 || !validVersion(parts[2]) {
		return "", "", "", false
	}
	owner, name, ok = splitModule(parts[0] + "-" + parts[1])
	return owner, name, parts[2], ok
}

func validVersion(s string) bool { return len(s) <= 128 && semver.Valid(s) }

// Handle implements sdk.Plugin. Errors are answered in the Forge's error
// shape ({"message", "errors": [...]}), which puppet prints.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	resp, err := route(h, req)
	var fe *forgeError
	if errors.As(err, &fe) {
		return jsonResponse(fe.Status, map[string]any{"message": fe.Detail, "errors": []string{fe.Detail}}, 0), nil
	}
	return resp, err
}

// forgeError is a failure answered in the Forge's error shape.
type forgeError struct {
	Status int
	Detail string
}

func (e *forgeError) Error() string { return e.Detail }

func fail(status int, detail string) error { return &forgeError{Status: status, Detail: detail} }

func jsonResponse(status int, v any, ttl uint64) *sdk.Response {
	b, _ := json.Marshal(v)
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: ttl,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
}

// bytesResponse is a JSON document already written, cached as jsonResponse's.
func bytesResponse(b []byte) *sdk.Response {
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: docTTLMs,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
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
	isReleases := len(segs) == 2 && segs[0] == "v3" && segs[1] == "releases"
	isRelease := len(segs) == 3 && segs[0] == "v3" && segs[1] == "releases"
	switch req.Method {
	case "POST":
		if isReleases {
			return a.publish()
		}
		return nil, fail(404, "not found: "+p)
	case "DELETE":
		if isRelease {
			return a.deleteRelease(segs[2])
		}
		return nil, fail(404, "not found: "+p)
	case "GET", "HEAD":
	default:
		return nil, fail(405, "method "+req.Method+" not allowed")
	}
	if req.RawQuery != "" && req.Repo.Kind != "" && req.Repo.Kind != "local" {
		return a.redirectQueryless(p, segs)
	}
	switch {
	case len(segs) == 2 && segs[0] == "v3" && segs[1] == "modules":
		return a.modules()
	case len(segs) == 3 && segs[0] == "v3" && segs[1] == "modules":
		return a.module(segs[2])
	case len(segs) == 4 && segs[0] == "v3" && segs[1] == "modules" && segs[3] == "releases":
		return a.moduleReleases(segs[2])
	case isReleases:
		return a.releases()
	case isRelease:
		return a.release(segs[2])
	}
	// Stored tarballs are served by the host before the plugin is called.
	return nil, fail(404, "not found: "+p)
}

// redirectQueryless: the host answers a remote or virtual repository's GET
// with a query from the plugin, which holds no list there; the client is
// sent to the query-less document that lists everything (a module's
// releases), which the host fetches from the upstream or merges from the
// members.
func (a api) redirectQueryless(p string, segs []string) (*sdk.Response, error) {
	target := p
	if len(segs) == 2 && segs[0] == "v3" && segs[1] == "releases" {
		q, _ := url.ParseQuery(a.req.RawQuery)
		if m := q.Get("module"); m != "" {
			owner, name, ok := splitModule(m)
			if !ok {
				return nil, fail(400, "module "+quote(m)+" is not OWNER-NAME")
			}
			target = "/v3/modules/" + owner + "-" + name + "/releases"
		}
	}
	return &sdk.Response{Status: 302, Headers: []sdk.Header{{Name: "Location", Value: a.req.Repo.BaseURL + target}}}, nil
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
