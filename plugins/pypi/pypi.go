package pypi

import (
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// PluginVersion is the plugin version reported by describe.
const PluginVersion = "0.1.0"

// Plugin implements sdk.Plugin for Python package indexes.
//
// Routes under /pypi/<repo>:
//
//	POST /  and  POST /legacy/         twine upload (multipart, :action=file_upload)
//	GET  /simple/                      project list (PEP 503 HTML / PEP 691 JSON)
//	GET  /simple/<project>/            project page (non-normalized names: 301)
//	GET  /packages/<project>/<file>    the file; <file>.metadata is its PEP 658 metadata
//	GET  /pypi/<project>/json          JSON API (also /pypi/<project>/<version>/json)
//	POST /yank                         Keeper's yank endpoint (JSON, see YankRequest)
//	DELETE /packages/<project>/<file>  remove a file
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "pypi", DisplayName: "PyPI", Version: PluginVersion, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/pypi/"}}, Credentials: credentials, Setup: setup,
		// Poetry installs from and publishes to the Simple API and uploads.
		Aliases: []string{"poetry"}}
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return nil, sdk.Errorf(404, "repository not found")
	}
	p, err := url.PathUnescape(req.Path)
	if err != nil || !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") {
		return nil, sdk.Errorf(400, "bad path")
	}
	segs := strings.Split(p[1:], "/")
	switch req.Method {
	case "POST":
		switch p {
		case "/", "/legacy", "/legacy/":
			return upload(h, req)
		case "/yank":
			return yank(h, req)
		}
		return nil, sdk.Errorf(404, "not found")
	case "DELETE":
		if len(segs) == 3 && segs[0] == "packages" {
			return deleteFile(h, p[1:])
		}
		return nil, sdk.Errorf(404, "not found")
	case "PUT":
		return deploy(h, req, segs)
	case "GET", "HEAD":
	default:
		return nil, sdk.Errorf(405, "method %s not allowed", req.Method)
	}
	switch {
	case segs[0] == "simple" && len(segs) == 1:
		return redirect(req.Repo.BaseURL + "/simple/"), nil
	case segs[0] == "simple" && len(segs) == 2 && segs[1] == "":
		ctype, ok := negotiate(req)
		if !ok {
			return nil, sdk.Errorf(406, "no acceptable simple API representation")
		}
		return simpleIndex(h, req, ctype)
	case segs[0] == "simple" && len(segs) == 2 && validName(segs[1]):
		return redirect(req.Repo.BaseURL + "/simple/" + url.PathEscape(Normalize(segs[1])) + "/"), nil
	case segs[0] == "simple" && len(segs) == 3 && segs[2] == "" && validName(segs[1]):
		ctype, ok := negotiate(req)
		if !ok {
			return nil, sdk.Errorf(406, "no acceptable simple API representation")
		}
		return simpleProject(h, req, segs[1], ctype)
	case segs[0] == "pypi" && len(segs) == 3 && segs[2] == "json" && validName(segs[1]):
		return jsonAPI(h, req, segs[1], "")
	case segs[0] == "pypi" && len(segs) == 4 && segs[3] == "json" && validName(segs[1]) && validVersion(segs[2]):
		return jsonAPI(h, req, segs[1], segs[2])
	}
	// Stored files are served by the host before the plugin is called.
	return nil, sdk.Errorf(404, "not found: %s", p)
}

func negotiate(req *sdk.Request) (string, bool) {
	q, _ := url.ParseQuery(req.RawQuery)
	return Negotiate(req.Header("Accept"), q.Get("format"))
}
