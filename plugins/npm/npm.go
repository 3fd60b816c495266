package npm

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// The registry API implemented here is described at
// https://github.com/npm/registry/blob/main/docs/REGISTRY-API.md and
// https://github.com/npm/registry/blob/main/docs/responses/package-metadata.md
// (full and abbreviated packuments).

// Version is the plugin version reported by describe.
const Version = "0.1.0"

// KV namespaces.
const (
	nsTags = "dist-tags" // key: package name, value: {"tag":"version"}
)

// Content types.
const (
	ctJSON        = "application/json"
	ctAbbreviated = "application/vnd.npm.install-v1+json"
	ctTarball     = "application/octet-stream"
)

// metadataTTLMs lets the host cache rendered documents (per repository
// generation, so any write invalidates them).
const metadataTTLMs = 5 * 60 * 1000

// anonymousPaths need no up-front authorization: login (the host checks the
// password through its login import), and npm audit's POSTs, which read
// nothing and must answer anonymous installs from public repositories.
var anonymousPaths = []string{"/-/user/org.couchdb.user:*", "/-/npm/v1/security/advisories/bulk", "/-/npm/v1/security/audits/quick"}

// Plugin implements sdk.Plugin for npm.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{
		Key: "npm", DisplayName: "npm", Version: Version, ContractVersion: sdk.ContractVersion,
		Mounts:      []sdk.Mount{{Prefix: "/npm/", AnonymousPaths: anonymousPaths}},
		Credentials: credentials, Setup: setup,
		// Publish hashes the tarball it stores (sha1, sha512) itself.
		Capabilities: []string{sdk.CapSHA256Bodies},
		// Clients that speak the npm registry API.
		Aliases: []string{"yarn", "pnpm", "bower"},
	}
}

// Classify implements sdk.Classifier: tarballs never change, the rest does.
func (Plugin) Classify(path string) sdk.CacheClass {
	if strings.Contains(path, "/-/") && strings.HasSuffix(path, ".tgz") && !strings.HasPrefix(path, "/-/") {
		return sdk.Immutable
	}
	return sdk.Mutable
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return npmError(404, "repository not found"), nil
	}
	p := req.Path
	switch {
	case p == "/-/whoami":
		return whoami(req), nil
	case p == "/-/ping":
		return jsonResp(200, []byte("{}")), nil
	case strings.HasPrefix(p, "/-/user/org.couchdb.user:"):
		return login(h, req)
	case p == "/-/v1/search":
		return search(h, req)
	case p == "/-/npm/v1/security/advisories/bulk" || p == "/-/npm/v1/security/audits/quick" || p == "/-/npm/v1/security/audits":
		return audit(req), nil
	case strings.HasPrefix(p, "/-/package/"):
		return distTags(h, req, strings.TrimPrefix(p, "/-/package/"))
	case strings.HasPrefix(p, bowerPrefix):
		return bowerLookup(h, req, strings.TrimPrefix(p, bowerPrefix))
	case strings.HasPrefix(p, "/-/"):
		return npmError(404, "unknown endpoint "+p), nil
	}
	ref, err := parseRef(req)
	if err != nil {
		return npmError(404, "not found: "+err.Error()), nil
	}
	switch {
	case ref.file != "" && ref.rev == "" && req.Method == "PUT":
		return deploy(h, req, ref)
	case ref.file != "":
		return tarball(h, req, ref)
	case ref.rev != "" && req.Method == "DELETE":
		return unpublishAll(h, ref.name)
	case ref.version != "":
		if req.Method != "GET" && req.Method != "HEAD" {
			return npmError(405, "method "+req.Method+" not allowed on a version document"), nil
		}
		return versionDoc(h, req, ref.name, ref.version)
	}
	switch req.Method {
	case "GET", "HEAD":
		return packument(h, req, ref.name)
	case "PUT":
		return put(h, req, ref.name)
	case "DELETE":
		return unpublishAll(h, ref.name)
	}
	return npmError(405, "method "+req.Method+" not allowed"), nil
}

// ref is a parsed package path: /NAME, /NAME/VERSION, /NAME/-/FILE,
// /NAME/-rev/REV or /NAME/-/FILE/-rev/REV.
type ref struct {
	name, version, file, rev string
}

// parseRef splits the escaped request path. Scoped names arrive as
// "@scope%2fname" or "@scope/name". npm's unpublish DELETEs the tarball URL's
// path again below the registry URL, so a leading copy of the repository's
// own URL path is dropped.
func parseRef(req *sdk.Request) (ref, error) {
	raw := strings.TrimPrefix(req.Path, "/")
	if u, err := url.Parse(req.Repo.BaseURL); err == nil && u.EscapedPath() != "" {
		own := strings.TrimPrefix(u.EscapedPath(), "/") + "/"
		if strings.HasPrefix(raw, own) && strings.Contains(raw[len(own):], "/-/") {
			raw = raw[len(own):]
		}
	}
	segs := strings.Split(raw, "/")
	for i, s := range segs {
		u, err := url.PathUnescape(s)
		if err != nil {
			return ref{}, errf("bad escape in path")
		}
		segs[i] = u
	}
	var r ref
	switch {
	case len(segs[0]) > 1 && segs[0][0] == '@' && strings.Contains(segs[0], "/"):
		r.name, segs = segs[0], segs[1:]
	case len(segs[0]) > 1 && segs[0][0] == '@' && len(segs) > 1:
		r.name, segs = segs[0]+"/"+segs[1], segs[2:]
	default:
		r.name, segs = segs[0], segs[1:]
	}
	if err := validName(r.name); err != nil {
		return ref{}, err
	}
	switch {
	case len(segs) == 0 || (len(segs) == 1 && segs[0] == ""):
	case len(segs) == 1:
		r.version = segs[0]
	case len(segs) == 2 && segs[0] == "-rev":
		r.rev = segs[1]
	case len(segs) == 2 && segs[0] == "-":
		r.file = segs[1]
	case len(segs) == 4 && segs[0] == "-" && segs[2] == "-rev":
		r.file, r.rev = segs[1], segs[3]
	default:
		return ref{}, errf("unrecognised package path")
	}
	return r, nil
}

// validName applies npm's package-name rules that matter for storage:
// https://github.com/npm/validate-npm-package-name
func validName(name string) error {
	if name == "" || len(name) > 214 {
		return errf("package name must be 1 to 214 characters")
	}
	base := name
	if name[0] == '@' {
		scope, b, ok := strings.Cut(name[1:], "/")
		if !ok || scope == "" || b == "" || strings.Contains(b, "/") {
			return errf("invalid scoped package name %q", name)
		}
		if err := nameChars(scope); err != nil {
			return err
		}
		base = b
	}
	if base[0] == '.' || base[0] == '_' {
		return errf("package name %q must not start with . or _", name)
	}
	return nameChars(base)
}

func nameChars(s string) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.', c == '_', c == '~', c >= 'A' && c <= 'Z':
		default:
			return errf("package name contains %q", string(c))
		}
	}
	return nil
}

// baseName is the name without its scope (the tarball file prefix).
func baseName(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// tarballPath is where the tarball of name@version is stored and served.
func tarballPath(name, version string) string {
	return name + "/-/" + baseName(name) + "-" + version + ".tgz"
}

// userError is a client mistake answered with 400.
type userError struct{ msg string }

func (e *userError) Error() string { return e.msg }

func errf(format string, args ...any) error {
	return &userError{msg: fmt.Sprintf(format, args...)}
}

func jsonResp(status int, body []byte) *sdk.Response {
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: body,
		Headers: []sdk.Header{{Name: "Content-Type", Value: ctJSON}}}
}

// npmError is the error body npm prints: {"error": "..."}.
func npmError(status int, msg string) *sdk.Response {
	b, _ := json.Marshal(map[string]string{"error": msg})
	r := jsonResp(status, b)
	if status == 401 {
		r.Headers = append(r.Headers, sdk.Header{Name: "WWW-Authenticate", Value: `Basic realm="keeper"`})
	}
	return r
}

func whoami(req *sdk.Request) *sdk.Response {
	if req.User == "" {
		return npmError(401, "not logged in")
	}
	b, _ := json.Marshal(map[string]string{"username": req.User})
	return jsonResp(200, b)
}

// audit answers npm audit's bulk advisory (and legacy quick audit) calls:
// this registry knows no advisories, which is a valid, empty answer.
// https://github.com/npm/registry/blob/main/docs/audit/advisories-bulk.md
func audit(req *sdk.Request) *sdk.Response {
	if req.Method != "POST" {
		return npmError(405, "use POST")
	}
	if strings.HasSuffix(req.Path, "/bulk") {
		return jsonResp(200, []byte("{}"))
	}
	return jsonResp(200, []byte(`{"actions":[],"advisories":{},"muted":[],"metadata":{"vulnerabilities":{"info":0,"low":0,"moderate":0,"high":0,"critical":0},"dependencies":0,"devDependencies":0,"optionalDependencies":0,"totalDependencies":0}}`))
}
