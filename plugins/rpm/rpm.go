package rpm

import (
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// PluginVersion is the plugin version reported by describe.
const PluginVersion = "0.1.0"

// Plugin implements sdk.Plugin for RPM repositories (rpm-md, read by dnf,
// yum, zypper and librepo).
//
// Routes under /rpm/<repo>:
//
//	PUT  /<file>.rpm, /Packages/<file>.rpm, POST /upload   upload a package
//	GET  /Packages/<file>.rpm                               the package (host fast path)
//	GET  /repodata/repomd.xml                               repository index
//	GET  /repodata/<sha256>-{primary,filelists,other}.xml.gz
//	DELETE /Packages/<file>.rpm                             remove a package
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "rpm", DisplayName: "RPM", Version: PluginVersion, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/rpm/"}}, Credentials: &sdk.DefaultCredentials, Setup: setup}
}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "dnf", Target: "/etc/yum.repos.d/{repo}.repo",
		Text: "[{repo}]\nname={repo}\nbaseurl={repo-url}/\nenabled=1\ngpgcheck=1\nrepo_gpgcheck=1\ngpgkey={repo-url}/repodata/repomd.xml.key\n"},
	{Kind: sdk.SetupPublish, Client: "curl", Text: "curl -u {user}:{token} -T NAME-VERSION-RELEASE.ARCH.rpm {repo-url}/"},
	{Kind: sdk.SetupConsume, Client: "dnf", Text: "dnf --repo={repo} install NAME"},
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
		case len(segs) == 1 && strings.HasSuffix(segs[0], ".rpm"):
			return upload(h, req, segs[0])
		case len(segs) == 2 && segs[0] == "Packages" && strings.HasSuffix(segs[1], ".rpm"):
			return upload(h, req, segs[1])
		}
		return nil, sdk.Errorf(400, "upload to /<name>-<version>-<release>.<arch>.rpm")
	case "POST":
		if p == "/upload" {
			return upload(h, req, "")
		}
		return nil, sdk.Errorf(404, "not found")
	case "DELETE":
		if len(segs) == 2 && segs[0] == "Packages" && strings.HasSuffix(segs[1], ".rpm") {
			return remove(h, segs[1])
		}
		return nil, sdk.Errorf(404, "not found")
	case "GET", "HEAD":
	default:
		return nil, sdk.Errorf(405, "method %s not allowed", req.Method)
	}
	if len(segs) == 2 && segs[0] == "repodata" {
		if wantsMember(req) {
			// Asked for a virtual repository's merge (see merge.go).
			if ct, ok := memberRepomdPaths[segs[1]]; ok {
				return memberRepomd(h, ct)
			}
			if strings.HasSuffix(segs[1], ".xml.gz") {
				return memberDoc(h, segs[1])
			}
		}
		switch segs[1] {
		case "repomd.xml":
			return serveRepomd(h)
		case "repomd.xml.asc":
			return signRepomd(h)
		case "repomd.xml.key":
			return sdk.ServePublicKey(h, sdk.KeyPGPArmored, "application/pgp-keys")
		}
		return serveDoc(h, segs[1])
	}
	// Stored files are served by the host before the plugin is called.
	return nil, sdk.Errorf(404, "not found: %s", p)
}
