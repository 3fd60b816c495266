// Bazel module registry (Bzlmod, https://bazel.build/external/registry)
// and Bazel's HTTP remote cache (https://bazel.build/remote/caching#http-caching).
// The repository URL is http://HOST/bazel/REPO; under it:
//
//	GET  bazel_registry.json                       {"mirrors": []}
//	GET  modules/NAME/metadata.json                versions of the module (yanked_versions empty)
//	GET  modules/NAME/VERSION/MODULE.bazel         the module file of the published archive
//	GET  modules/NAME/VERSION/source.json          {"url", "integrity": "sha256-…", "strip_prefix"}
//	GET  archives/NAME/VERSION/NAME-VERSION.tar.gz the archive
//	PUT  modules/NAME/VERSION/archive              publish: a .tar.gz whose MODULE.bazel names NAME and VERSION
//	GET|HEAD|PUT ac/SHA256, cas/SHA256              remote cache (CAS content must hash to its key)
package bazel

import (
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Version is the plugin's version.
const Version = "0.1.0"

// docTTLMs is how long the host may keep a rendered document (any write to
// the repository invalidates it sooner).
const docTTLMs = 5 * 60 * 1000

// Plugin implements sdk.Plugin for Bazel registries and remote caches.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "bazel", DisplayName: "Bazel registry and remote cache", Version: Version,
		ContractVersion: sdk.ContractVersion, Mounts: []sdk.Mount{{Prefix: "/bazel/"}}, Credentials: credentials, Setup: setup}
}

func fail(status int, format string, args ...any) error {
	return sdk.Errorf(status, format, args...)
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return nil, fail(404, "not a Bazel repository")
	}
	p := strings.TrimPrefix(req.Path, "/")
	segs := strings.Split(p, "/")
	get := req.Method == "GET" || req.Method == "HEAD"
	put := req.Method == "PUT" || req.Method == "POST"
	switch {
	case len(segs) == 2 && (segs[0] == "ac" || segs[0] == "cas"):
		return cache(h, req, segs[0], segs[1])
	case p == "bazel_registry.json" && get:
		return inline([]byte("{\"mirrors\":[]}\n"), "application/json"), nil
	case len(segs) == 3 && segs[0] == "modules" && segs[2] == "metadata.json" && get:
		return metadata(h, segs[1])
	case len(segs) == 4 && segs[0] == "modules" && segs[3] == "source.json" && get:
		return source(h, req.Repo.BaseURL, segs[1], segs[2])
	case len(segs) == 4 && segs[0] == "modules" && segs[3] == "archive" && put:
		return publish(h, req, segs[1], segs[2])
	case get:
		// MODULE.bazel and archives are stored files the host serves; one
		// not stored is absent.
		if f, err := h.GetFile(p); err != nil || f != nil {
			if err != nil {
				return nil, err
			}
			return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: f.Path}, nil
		}
		return nil, fail(404, "not found: %s", clip(p))
	case put:
		return nil, fail(400, "not a publish or cache path (modules/NAME/VERSION/archive, ac/SHA256, cas/SHA256): %s", clip(p))
	}
	return nil, fail(405, "method %s not allowed on %s", req.Method, clip(p))
}

func inline(body []byte, ct string) *sdk.Response {
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: body, CacheTTLMs: docTTLMs,
		Headers: []sdk.Header{{Name: "Content-Type", Value: ct}}}
}

func jsonDoc(v any) (*sdk.Response, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return inline(append(b, '\n'), "application/json"), nil
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
