package hex

import (
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// PluginVersion is the plugin version reported by describe.
const PluginVersion = "0.1.0"

// Plugin implements sdk.Plugin for Hex repositories.
//
// Registry v2 (https://github.com/hexpm/specifications/blob/main/registry-v2.md)
// and the publish call of the HTTP API
// (https://github.com/hexpm/specifications/blob/main/apiary.apib,
// "Publish a release"). Routes under /hex/<repo>:
//
//	GET  /names                    signed, gzipped protobuf: every package
//	GET  /versions                 signed, gzipped protobuf: every package's versions
//	GET  /packages/<name>          signed, gzipped protobuf: a package's releases
//	GET  /tarballs/<name>-<v>.tar  the tarball (stored; the host answers with an ETag)
//	GET  /public_key               the repository's RSA public key (PEM)
//	POST /api/publish              publish a tarball (also /api/packages/<name>/releases)
//
// The protobuf `repository` field is the Keeper repository key: name the
// repository so in the client's configuration (hex_core checks it).
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "hex", DisplayName: "Hex", Version: PluginVersion, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/hex/"}}, Credentials: credentials, Setup: setup}
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
	if req.Method == "POST" || req.Method == "PUT" {
		switch {
		case p == "/api/publish":
			return publish(h, req, "")
		case len(segs) == 4 && segs[0] == "api" && segs[1] == "packages" && segs[3] == "releases" && validName(segs[2]):
			return publish(h, req, segs[2])
		}
		return nil, sdk.Errorf(404, "not found")
	}
	if req.Method != "GET" && req.Method != "HEAD" {
		return nil, sdk.Errorf(405, "method %s not allowed", req.Method)
	}
	switch {
	case p == "/names":
		return names(h, req.Repo.Key)
	case p == "/versions":
		return versions(h, req.Repo.Key)
	case len(segs) == 2 && segs[0] == "packages" && validName(segs[1]):
		return packageDoc(h, req.Repo.Key, segs[1])
	case p == "/public_key":
		return publicKey(h)
	}
	// Stored tarballs are served by the host before the plugin is called.
	return nil, sdk.Errorf(404, "not found: %s", p)
}
