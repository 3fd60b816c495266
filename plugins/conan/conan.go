// Conan v2 server REST API, as the Conan 2 client calls it (conans/client/rest/
// rest_client_v2.py, client_routes.py and conans/model/rest_routes.py of
// https://github.com/conan-io/conan, release 2.x) and the reference server
// answers it (conans/server/rest/controller/v2/ of the same repository):
//
//	GET  v1/ping | v2/ping                      200, X-Conan-Server-Capabilities
//	GET  v{1,2}/users/authenticate              Basic → token (text/plain)
//	GET  v{1,2}/users/check_credentials         200 with a valid token, else 401
//	GET  v2/conans/search?q=PATTERN             {"results": ["name/version@user/channel", …]}
//	     v2/conans/NAME/VERSION/USER/CHANNEL    (USER and CHANNEL "_" when absent)
//	       DELETE                               every revision
//	       GET  latest | revisions              {"revision","time"} | {"reference","revisions":[…]}
//	       GET  search                          packages of the latest revision
//	       …/revisions/RREV                     DELETE
//	       …/revisions/RREV/files               GET {"files": {"conanfile.py": {}, …}}
//	       …/revisions/RREV/files/PATH          GET (download), PUT (upload)
//	       …/revisions/RREV/search              GET {PKGID: {"settings","options","requires"}}
//	       …/revisions/RREV/packages            DELETE every package
//	       …/revisions/RREV/packages/PKGID/latest | revisions          GET
//	       …/revisions/RREV/packages/PKGID/revisions/PREV              DELETE
//	       …/revisions/RREV/packages/PKGID/revisions/PREV/files[/PATH] GET, PUT
//
// Files are stored at their URL path, so downloads are answered by the host
// without calling the plugin. A revision exists once its conanmanifest.txt is
// uploaded: the client sends files in name order, so the manifest comes last.
package conan

import (
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Version is the plugin's version.
const Version = "0.1.0"

// Plugin implements sdk.Plugin for Conan v2 remotes.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "conan", DisplayName: "Conan (C/C++)", Version: Version, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/conan/", AnonymousPaths: []string{"/v1/ping", "/v2/ping"}}}, Credentials: credentials, Setup: setup}
}

// The pings are anonymous paths: the client asks a remote's capabilities
// before it has credentials (RestV2Methods.server_capabilities), and they
// carry no data.
//
// capabilities are what the server announces on ping: revisions is the one
// Conan 2 requires ("The remote doesn't support revisions" otherwise).
const capabilities = "revisions"

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return conanError(404, "not a Conan repository"), nil
	}
	p := strings.TrimPrefix(req.Path, "/")
	switch p {
	case "v1/ping", "v2/ping":
		return ping(req), nil
	case "v1/users/authenticate", "v2/users/authenticate":
		return authenticate(h, req)
	case "v1/users/check_credentials", "v2/users/check_credentials":
		return checkCredentials(req), nil
	case "v2/conans/search":
		if req.Method != "GET" && req.Method != "HEAD" {
			return methodNotAllowed(req), nil
		}
		return searchRecipes(h, req)
	}
	rest, ok := strings.CutPrefix(p, "v2/conans/")
	if !ok {
		return conanError(404, "no such Conan API path: "+clip(req.Path)), nil
	}
	rt, err := parseRoute(rest)
	if err != nil {
		return conanError(400, err.Error()), nil
	}
	return rt.serve(h, req)
}

func ping(req *sdk.Request) *sdk.Response {
	if req.Method != "GET" && req.Method != "HEAD" {
		return methodNotAllowed(req)
	}
	return &sdk.Response{Status: 200, Headers: []sdk.Header{{Name: "X-Conan-Server-Capabilities", Value: capabilities},
		{Name: "Content-Type", Value: "text/plain"}}, Kind: sdk.BodyBytes}
}

// tokenTTL is how long a token from users/authenticate lives (the host's
// cap on minted access tokens, which also never outlive nor out-scope the
// credential the caller signed in with); when it expires Conan gets a 401 and
// authenticates again with the credentials it has (CONAN_LOGIN_USERNAME and
// CONAN_PASSWORD, its credentials.json, or a prompt).
const tokenTTL = 3600

// authenticate answers `conan remote login`: the host checked the Basic
// credentials; the token minted for that caller is the body.
func authenticate(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Method != "GET" {
		return methodNotAllowed(req), nil
	}
	if req.User == "" {
		return unauthorized("wrong user or password"), nil
	}
	tok, err := sdk.SessionToken(h, tokenTTL, false)
	if err != nil {
		return conanError(401, "cannot issue a token: "+err.Error()), nil
	}
	return &sdk.Response{Status: 200, Headers: []sdk.Header{{Name: "Content-Type", Value: "text/plain"}},
		Kind: sdk.BodyBytes, Bytes: []byte(tok)}, nil
}

// checkCredentials answers 200 with the user's name for a valid token; the
// host already refused an invalid one with 401, and an anonymous call gets
// 401 so the client asks for credentials.
func checkCredentials(req *sdk.Request) *sdk.Response {
	if req.Method != "GET" {
		return methodNotAllowed(req)
	}
	if req.User == "" {
		return unauthorized("logged user needed")
	}
	return jsonResponse(200, sdk.AppendJSONString(nil, req.User))
}

func unauthorized(msg string) *sdk.Response {
	r := conanError(401, msg)
	r.Headers = append(r.Headers, sdk.Header{Name: "WWW-Authenticate", Value: `Basic realm="keeper"`})
	return r
}

func methodNotAllowed(req *sdk.Request) *sdk.Response {
	return conanError(405, "method "+clip(req.Method)+" not allowed here")
}

// conanError is the error body Conan prints ("STATUS: message"): the
// Artifactory shape its client reads (response_to_str in
// conans/client/rest/rest_client_common.py).
func conanError(status int, msg string) *sdk.Response {
	b := []byte(`{"errors":[{"status":`)
	b = appendInt(b, int64(status))
	b = append(b, `,"message":`...)
	b = sdk.AppendJSONString(b, msg)
	b = append(b, "}]}"...)
	return jsonResponse(status, b)
}

// jsonResponse sets the exact Content-Type the client accepts
// ("application/json", rest_client_v2.py _get_json).
func jsonResponse(status int, body []byte) *sdk.Response {
	return &sdk.Response{Status: status, Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}},
		Kind: sdk.BodyBytes, Bytes: body}
}

// clip shortens request text echoed in messages.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
