package terraform

import (
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// PluginVersion is the plugin version reported by describe.
const PluginVersion = "0.1.0"

// Plugin implements sdk.Plugin for Terraform and OpenTofu.
//
// Protocols:
//   - service discovery: https://developer.hashicorp.com/terraform/internals/remote-service-discovery
//   - module registry: https://developer.hashicorp.com/terraform/internals/module-registry-protocol
//   - provider registry: https://developer.hashicorp.com/terraform/internals/provider-registry-protocol
//   - provider network mirror: https://developer.hashicorp.com/terraform/internals/provider-network-mirror-protocol
//
// Discovery (/.well-known/terraform.json at the server root) names
// /terraform/ as the base of both registries, so a module address is
// HOST/REPO/NAME/SYSTEM and a provider address HOST/REPO/TYPE: the
// registry namespace is the Keeper repository. Routes under /terraform/<repo>:
//
//	GET  /<name>/<system>/versions                      module versions
//	GET  /<name>/<system>/<version>/download            module location (204 + X-Terraform-Get)
//	GET  /<type>/versions                               provider versions
//	GET  /<type>/<version>/download/<os>/<arch>          provider package JSON
//	PUT  /-/modules/<name>/<system>/<version>            publish a module (.tar.gz body)
//	PUT  /-/providers/<type>/<version>/<zip file name>   publish a provider package (?protocols=5.0)
//	GET  /-/providers/<type>/<version>/<SHA256SUMS>[.sig] checksums and their detached signature
//	GET  /-/mirror/<host>/<namespace>/<type>/index.json  network mirror (and <version>.json)
//
// Registry names never start with "-", so "/-/" cannot clash with them.
// Stored layout:
//
//	-/modules/<name>/<system>/<version>/<name>-<system>-<version>.tar.gz   package "module/<name>/<system>"
//	-/providers/<type>/<version>/terraform-provider-<type>_<version>_<os>_<arch>.zip  package "provider/<type>"
//
// Every URL in the documents is relative, so they read the same through a
// remote or virtual repository.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "terraform", DisplayName: "Terraform / OpenTofu", Version: PluginVersion, ContractVersion: sdk.ContractVersion,
		Mounts:      []sdk.Mount{{Prefix: "/terraform/"}, {Prefix: discoveryPath, Root: true, AnonymousPaths: []string{"/"}}},
		Credentials: credentials, Setup: setup,
		// OpenTofu speaks the same registry protocols.
		Aliases: []string{"opentofu"}}
}

// discoveryPath is the service discovery document's fixed place.
const discoveryPath = "/.well-known/terraform.json"

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		if req.Path == "/" && isRead(req.Method) {
			return discovery(), nil
		}
		return nil, sdk.Errorf(404, "not found")
	}
	p, err := url.PathUnescape(req.Path)
	if err != nil || !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") {
		return nil, sdk.Errorf(400, "bad path")
	}
	segs := strings.Split(p[1:], "/")
	if segs[0] == "-" {
		return handleKeeper(h, req, segs[1:])
	}
	if !isRead(req.Method) {
		return nil, sdk.Errorf(405, "method %s not allowed", req.Method)
	}
	switch {
	case len(segs) == 3 && segs[2] == "versions" && validModuleName(segs[0]) && validModuleName(segs[1]):
		return moduleVersions(h, segs[0], segs[1])
	case len(segs) == 4 && segs[3] == "download" && validModuleName(segs[0]) && validModuleName(segs[1]) && validVersion(segs[2]):
		return moduleDownload(h, req, segs[0], segs[1], segs[2])
	case len(segs) == 2 && segs[1] == "versions" && validType(segs[0]):
		return providerVersions(h, segs[0])
	case len(segs) == 5 && segs[2] == "download" && validType(segs[0]) && validVersion(segs[1]) && validPlatform(segs[3]) && validPlatform(segs[4]):
		return providerDownload(h, segs[0], segs[1], segs[3], segs[4])
	}
	return nil, sdk.Errorf(404, "not found: %s", p)
}

// handleKeeper answers the paths under /-/: uploads, checksums, the mirror.
func handleKeeper(h sdk.Host, req *sdk.Request, segs []string) (*sdk.Response, error) {
	if len(segs) == 0 {
		return nil, sdk.Errorf(404, "not found")
	}
	write := req.Method == "PUT" || req.Method == "POST"
	if !write && !isRead(req.Method) {
		return nil, sdk.Errorf(405, "method %s not allowed", req.Method)
	}
	switch {
	case segs[0] == "modules" && len(segs) == 4 && write:
		return publishModule(h, req, segs[1], segs[2], segs[3])
	case segs[0] == "providers" && len(segs) == 4 && write:
		return publishProvider(h, req, segs[1], segs[2], segs[3])
	case write:
		return nil, sdk.Errorf(404, "not an upload path")
	case segs[0] == "providers" && len(segs) == 4 && validType(segs[1]) && validVersion(segs[2]):
		return providerSums(h, segs[1], segs[2], segs[3])
	case segs[0] == "mirror" && len(segs) == 5:
		return mirror(h, segs[3], segs[4])
	}
	// Stored packages are served by the host before the plugin is called.
	return nil, sdk.Errorf(404, "not found")
}

func isRead(m string) bool { return m == "GET" || m == "HEAD" }

// discovery is the service discovery document: both registries live under
// /terraform/ at the server root; the first segment is the namespace.
func discovery() *sdk.Response {
	return jsonResponse(200, []byte(`{"modules.v1":"/terraform/","providers.v1":"/terraform/"}`))
}

// jsonResponse is a JSON document the host may cache until the repository changes.
func jsonResponse(status int, body []byte) *sdk.Response {
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: body, CacheTTLMs: 60_000,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
}
