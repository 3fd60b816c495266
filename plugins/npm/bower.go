package npm

import (
	"encoding/json"
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// bowerPrefix is the bower registry a repository serves for the "bower"
// alias: bower's registry setting is {repo-url}/-/bower.
const bowerPrefix = "/-/bower/packages/"

// bowerLookup answers bower's registry lookup, GET
// {registry}/packages/NAME (bower-registry-client lib/lookup.js), with
// {"name", "url"}: the tarball of the package's latest dist-tag, which
// bower's URL resolver downloads and extracts (a single top directory,
// npm's package/, is unwrapped). The lookup names no version, and URL
// sources "can't resolve targets" in bower, so `bower install NAME`
// installs the latest version; a pinned version is installed by its
// tarball URL (NAME=URL). Served by local repositories.
// https://github.com/bower/bower/blob/master/packages/bower-registry-client/lib/lookup.js
func bowerLookup(h sdk.Host, req *sdk.Request, escaped string) (*sdk.Response, error) {
	if req.Method != "GET" && req.Method != "HEAD" {
		return npmError(405, "method not allowed"), nil
	}
	if req.Repo.Kind != "" && req.Repo.Kind != "local" {
		return npmError(404, "the bower registry is served by local repositories only"), nil
	}
	name, err := url.PathUnescape(escaped)
	if err != nil || validName(name) != nil {
		return npmError(400, "invalid package name"), nil
	}
	tags, err := loadTags(h, name)
	if err != nil {
		return nil, err
	}
	version := tags["latest"]
	if version == "" {
		vs, err := listVersions(h, name)
		if err != nil {
			return nil, err
		}
		version = newest(vs, "")
	}
	if version == "" {
		return npmError(404, "package "+name+" not found"), nil
	}
	b, _ := json.Marshal(map[string]string{"name": name,
		"url": strings.TrimSuffix(req.Repo.BaseURL, "/") + "/" + tarballPath(name, version)})
	return jsonResp(200, b), nil
}
