package ansible

import (
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// PluginVersion is the plugin version reported by describe.
const PluginVersion = "0.1.0"

// Plugin implements sdk.Plugin for Ansible collections: the Galaxy v3 API
// as served by galaxy_ng / pulp_ansible and read by ansible-galaxy
// (ansible-core 2.14+):
// https://docs.pulpproject.org/pulp_ansible/restapi.html (v3 collections API)
// https://docs.ansible.com/ansible/latest/collections_guide/collections_installing.html
//
// Routes under /ansible/<repo>:
//
//	GET  /api/                                              {"available_versions": {"v3": "v3/"}}
//	GET  /api/v3/collections/                               collections (paginated: limit, offset)
//	GET  /api/v3/collections/NS/NAME/                       one collection
//	GET  /api/v3/collections/NS/NAME/versions/              its versions, newest first (paginated)
//	GET  /api/v3/collections/NS/NAME/versions/V/            one version: download_url, artifact.sha256, metadata
//	POST /api/v3/artifacts/collections/                     publish (multipart: file, sha256) → 202 {"task": …}
//	GET  /api/v3/imports/collections/ID/                    the import task: state completed, finished_at
//	GET  /download/NS-NAME-V.tar.gz                          the artifact (the host's fast path)
//	DELETE /api/v3/collections/NS/NAME/versions/V/          remove a version
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "ansible", DisplayName: "Ansible Galaxy", Version: PluginVersion, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/ansible/"}}, Credentials: credentials, Setup: setup}
}

// Galaxy names: lower-case letters, digits and underscores, not starting
// with a digit or underscore, at most 64 characters.
var nameRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

func validName(s string) bool { return nameRe.MatchString(s) }

func validVersion(s string) bool { return len(s) <= 128 && semver.Valid(s) }

// Handle implements sdk.Plugin. Errors are answered in the v3 error shape
// ({"errors": [{"status", "code", "title", "detail"}]}) that ansible-galaxy
// prints.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	resp, err := route(h, req)
	var ae *apiError
	if errors.As(err, &ae) {
		return jsonResponse(ae.Status, map[string]any{"errors": []map[string]string{{"status": strconv.Itoa(ae.Status),
			"code": ae.Code, "title": statusText(ae.Status), "detail": ae.Detail}}}, 0), nil
	}
	return resp, err
}

// apiError is a failure answered in the v3 error shape.
type apiError struct {
	Status       int
	Code, Detail string
}

func (e *apiError) Error() string { return e.Detail }

func galaxyError(status int, code, detail string) error {
	return &apiError{Status: status, Code: code, Detail: detail}
}

func route(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return nil, sdk.Errorf(404, "repository not found")
	}
	p, err := url.PathUnescape(req.Path)
	if err != nil || !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") || len(p) > 1024 {
		return nil, galaxyError(400, "invalid", "bad path")
	}
	segs := strings.Split(strings.TrimSuffix(p[1:], "/"), "/")
	a := api{h: h, req: req}
	switch req.Method {
	case "POST":
		if p == "/api/v3/artifacts/collections/" || p == "/api/v3/artifacts/collections" {
			return a.publish()
		}
		return nil, galaxyError(404, "not_found", "not found")
	case "DELETE":
		if len(segs) == 7 && segs[0] == "api" && segs[1] == "v3" && segs[2] == "collections" && segs[5] == "versions" {
			return a.deleteVersion(segs[3], segs[4], segs[6])
		}
		return nil, galaxyError(404, "not_found", "not found")
	case "GET", "HEAD":
	default:
		return nil, galaxyError(405, "method_not_allowed", "method "+req.Method+" not allowed")
	}
	if req.RawQuery != "" && req.Repo.Kind != "" && req.Repo.Kind != "local" && strings.HasPrefix(p, "/api/") {
		// The host answers a remote or virtual repository's GET with a
		// query from the plugin, which holds no list: send the client to
		// the query-less document (the whole list on one page), which the
		// host fetches from the upstream or merges from the members.
		return &sdk.Response{Status: 302, Headers: []sdk.Header{{Name: "Location", Value: req.Repo.BaseURL + p}}}, nil
	}
	switch {
	case p == "/api/" || p == "/api":
		return jsonResponse(200, map[string]any{"available_versions": map[string]string{"v3": "v3/"},
			"current_version": "v3", "description": "Keeper Galaxy API"}, 0), nil
	case len(segs) == 3 && segs[0] == "api" && segs[1] == "v3" && segs[2] == "collections":
		return a.collections()
	case len(segs) == 5 && segs[0] == "api" && segs[1] == "v3" && segs[2] == "collections":
		return a.collection(segs[3], segs[4])
	case len(segs) == 6 && segs[0] == "api" && segs[1] == "v3" && segs[2] == "collections" && segs[5] == "versions":
		return a.versions(segs[3], segs[4])
	case len(segs) == 7 && segs[0] == "api" && segs[1] == "v3" && segs[2] == "collections" && segs[5] == "versions":
		return a.version(segs[3], segs[4], segs[6])
	case len(segs) == 5 && segs[0] == "api" && segs[1] == "v3" && segs[2] == "imports" && segs[3] == "collections":
		return a.task(segs[4])
	}
	// Stored artifacts are served by the host before the plugin is called.
	return nil, galaxyError(404, "not_found", "not found: "+p)
}

func statusText(status int) string {
	switch status {
	case 400:
		return "Bad Request"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 409:
		return "Conflict"
	}
	return "Error"
}
