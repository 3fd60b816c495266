package conda

// A conda channel as conda and mamba read it.
// Channel layout and repodata.json: https://docs.conda.io/projects/conda-build/en/latest/concepts/generating-index.html
// Package formats (.tar.bz2, .conda): https://docs.conda.io/projects/conda/en/latest/user-guide/concepts/packages.html
// and CEP 2 (".conda" format) https://github.com/conda/ceps/blob/main/cep-0002.md
//
// Routes under /conda/<repo>:
//
//	PUT    /<file>, /<subdir>/<file>        upload a .tar.bz2 or .conda package
//	GET    /<subdir>/<file>                  the package (host fast path)
//	GET    /<subdir>/repodata.json[.bz2|.zst] the subdir's index
//	GET    /<subdir>/current_repodata.json   newest version of each package only
//	GET    /<subdir>/repodata.json.sig       detached armored OpenPGP signature of repodata.json
//	GET    /repodata.json.key                the repository key (armored OpenPGP)
//	GET    /channeldata.json                 the channel summary
//	DELETE /<subdir>/<file>                  remove a package

import (
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// PluginVersion is the plugin version reported by describe.
const PluginVersion = "0.1.0"

// Plugin implements sdk.Plugin for conda channels.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "conda", DisplayName: "Conda", Version: PluginVersion, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/conda/"}}, Credentials: &sdk.DefaultCredentials, Setup: setup,
		Aliases: []string{"conda_native"}}
}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "conda", Target: "~/.condarc",
		Text: "channels:\n  - {repo-url}\nchannel_alias: {repo-url}\ndefault_channels: []\n"},
	{Kind: sdk.SetupPublish, Client: "curl", Text: "curl -u {user}:{token} -T NAME-VERSION-BUILD.conda {repo-url}/"},
	{Kind: sdk.SetupConsume, Client: "conda", Text: "conda install --override-channels -c {repo-url} NAME"},
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
	for _, s := range segs {
		if s == "." || s == ".." {
			return nil, sdk.Errorf(400, "bad path")
		}
	}
	switch req.Method {
	case "PUT":
		switch {
		case len(segs) == 1 && isPackage(segs[0]):
			return upload(h, req, "", segs[0])
		case len(segs) == 2 && isPackage(segs[1]):
			return upload(h, req, segs[0], segs[1])
		}
		return nil, sdk.Errorf(400, "upload to /<name>-<version>-<build>.conda or .tar.bz2")
	case "DELETE":
		if len(segs) == 2 && isPackage(segs[1]) {
			return remove(h, segs[0], segs[1])
		}
		return nil, sdk.Errorf(404, "not found")
	case "GET", "HEAD":
	default:
		return nil, sdk.Errorf(405, "method %s not allowed", req.Method)
	}
	if len(segs) == 1 {
		switch segs[0] {
		case "channeldata.json":
			return serveChanneldata(h)
		case "repodata.json.key":
			if forMerge(req) {
				// The virtual's own key is merge's answer (remote.go).
				return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: []byte("key")}, nil
			}
			return sdk.ServePublicKey(h, sdk.KeyPGPArmored, "application/pgp-keys")
		}
	}
	if len(segs) == 2 && validSubdir(segs[0]) == nil {
		switch segs[1] {
		case "repodata.json":
			return serveRepodata(h, segs[0], false, none)
		case "current_repodata.json":
			return serveRepodata(h, segs[0], true, none)
		case "repodata.json.bz2":
			return serveRepodata(h, segs[0], false, sdk.Bzip2)
		case "repodata.json.zst":
			return serveRepodata(h, segs[0], false, sdk.Zstd)
		case "repodata.json.sig":
			if forMerge(req) {
				// The document merge signs again with the virtual's key.
				return serveRepodata(h, segs[0], false, none)
			}
			return signRepodata(h, segs[0])
		}
	}
	// Stored packages are served by the host before the plugin is called.
	return nil, sdk.Errorf(404, "not found: %s", p)
}

func isPackage(name string) bool {
	return strings.HasSuffix(name, extConda) || strings.HasSuffix(name, extTarBz2)
}
