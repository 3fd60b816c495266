package debian

import (
	"net/url"
	"path"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// PluginVersion is the plugin version reported by describe.
const PluginVersion = "0.1.0"

// Plugin implements sdk.Plugin for APT repositories.
//
// Routes under /debian/<repo>:
//
//	PUT  /pool/<...>/<name>_<version>_<arch>.deb   upload to that pool path
//	POST /upload                                   upload to the canonical pool path
//	     (both take ?distribution= (default stable) and ?component= (default main))
//	GET  /dists/<dist>/{Release,InRelease,Release.gpg}
//	GET  /dists/<dist>/<component>/binary-<arch>/Packages{,.gz,.xz} and by-hash/
//	GET  /pool/...                                 the packages
//	GET  /gpg-key.asc                              the repository's public key
//
// Stored files (pool, indexes, signatures) are served by the host.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "debian", DisplayName: "Debian (APT)", Version: PluginVersion, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/debian/"}}, Credentials: credentials, Setup: setup}
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return nil, sdk.Errorf(404, "repository not found")
	}
	p, err := url.PathUnescape(req.Path)
	if err != nil || !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") {
		return nil, bad("bad path")
	}
	rel := strings.TrimPrefix(p, "/")
	switch req.Method {
	case "PUT":
		if !strings.HasPrefix(rel, "pool/") || !strings.HasSuffix(rel, ".deb") {
			return nil, sdk.Errorf(404, "not found: upload to pool/.../NAME_VERSION_ARCH.deb or POST upload")
		}
		if path.Clean(rel) != rel || strings.Contains(rel, "..") || strings.Contains(rel, "//") {
			return nil, bad("invalid pool path %q: no . or .. segments", clip(rel))
		}
		return upload(h, req, rel)
	case "POST":
		if rel == "upload" {
			return upload(h, req, "")
		}
		return nil, sdk.Errorf(404, "not found")
	case "GET", "HEAD":
	default:
		return nil, sdk.Errorf(405, "method %s not allowed", req.Method)
	}
	if wantsMember(req) {
		// Asked for a virtual repository's merge (see merge.go).
		if resp, err := memberAnswer(h, rel); resp != nil || err != nil {
			return resp, err
		}
	}
	if rel == "gpg-key.asc" {
		k, err := sdk.PublicKey(h, sdk.KeyPGPArmored)
		if err != nil {
			return nil, sdk.Errorf(404, "this repository has no signing key")
		}
		return &sdk.Response{Status: 200, Headers: []sdk.Header{{Name: "Content-Type", Value: "application/pgp-keys"}},
			Kind: sdk.BodyBytes, Bytes: k.Data}, nil
	}
	return nil, sdk.Errorf(404, "not found: %s", clip(p))
}
