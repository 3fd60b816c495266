// JetBrains IDE custom plugin repository
// (https://plugins.jetbrains.com/docs/intellij/custom-plugin-repository.html)
// with the Marketplace's upload endpoint
// (https://plugins.jetbrains.com/docs/marketplace/plugin-upload.html).
// The repository URL is http://HOST/jetbrains/REPO; under it:
//
//	GET  updatePlugins.xml[?build=IC-241.1]    <plugins><plugin id url version><idea-version since-build until-build/>…
//	GET  plugins/list/[?build=…]               <plugin-repository><category><idea-plugin>… (name, id, version, vendor, download-url)
//	GET  plugin/download?pluginId=ID[&version=V][&build=…]   302 to the stored file
//	POST plugin/uploadPlugin                   multipart "file" (.zip or .jar), optional "pluginId"/"xmlId"
//
// With build, only the newest version of each plugin whose since-build and
// until-build admit the build is listed.
package jetbrains

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Version is the plugin's version.
const Version = "0.1.0"

// Plugin implements sdk.Plugin for JetBrains plugin repositories.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "jetbrains", DisplayName: "JetBrains plugin repository", Version: Version,
		ContractVersion: sdk.ContractVersion, Mounts: []sdk.Mount{{Prefix: "/jetbrains/"}}, Credentials: credentials, Setup: setup}
}

type failure struct {
	Status int
	Msg    string
}

func (f *failure) Error() string { return f.Msg }

func fail(status int, msg string) error { return &failure{status, msg} }

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return errorDoc(404, "not a JetBrains plugin repository"), nil
	}
	resp, err := route(h, req)
	var f *failure
	if errors.As(err, &f) {
		return errorDoc(f.Status, f.Msg), nil
	}
	return resp, err
}

func route(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	p := strings.TrimPrefix(req.Path, "/")
	get := req.Method == "GET" || req.Method == "HEAD"
	q, _ := url.ParseQuery(req.RawQuery)
	if (p == "updatePlugins.xml" || p == "plugins/list" || p == "plugins/list/") && get && req.RawQuery != "" &&
		(req.Repo.Kind == "remote" || req.Repo.Kind == "virtual") {
		// A remote or virtual repository proxies and merges query-less
		// documents only: send the IDE there; it filters by idea-version
		// itself.
		return &sdk.Response{Status: 302, Kind: sdk.BodyBytes, Headers: []sdk.Header{{Name: "Location", Value: req.Repo.BaseURL + "/" + p}}}, nil
	}
	switch p {
	case "updatePlugins.xml":
		if !get {
			return nil, fail(405, "method not allowed")
		}
		return updatePlugins(h, req.Repo.BaseURL, q.Get("build"))
	case "plugins/list", "plugins/list/":
		if !get {
			return nil, fail(405, "method not allowed")
		}
		return pluginList(h, req.Repo.BaseURL, q.Get("build"))
	case "plugin/download":
		if !get {
			return nil, fail(405, "method not allowed")
		}
		return download(h, req.Repo.BaseURL, q)
	case "plugin/uploadPlugin":
		if req.Method != "POST" {
			return nil, fail(405, "method not allowed")
		}
		return upload(h, req)
	}
	return nil, fail(404, "not found: "+clip(req.Path))
}

func errorDoc(status int, msg string) *sdk.Response {
	b, _ := json.Marshal(map[string]string{"msg": msg})
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: b,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
