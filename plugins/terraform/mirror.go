package terraform

import (
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// mirror answers the provider network mirror protocol for the providers
// this repository holds: .../index.json lists the versions,
// .../<version>.json the packages with their zh: (zip sha256) hashes.
// The mirror is configured per repository (url = .../terraform/<repo>/-/mirror/),
// so the requested hostname and namespace are not checked: a provider is
// found by its type, whatever address the configuration gave it.
// https://developer.hashicorp.com/terraform/internals/provider-network-mirror-protocol
func mirror(h sdk.Host, typ, file string) (*sdk.Response, error) {
	if !validType(typ) {
		return nil, sdk.Errorf(404, "not found")
	}
	if file == "index.json" {
		vs, err := versionsOf(h, providerPackage(typ))
		if err != nil {
			return nil, err
		}
		if len(vs) == 0 {
			return nil, sdk.Errorf(404, "provider %s not found", typ)
		}
		out := map[string]struct{}{}
		for _, v := range vs {
			out[v] = struct{}{}
		}
		body, _ := json.Marshal(map[string]any{"versions": out})
		return jsonResponse(200, body), nil
	}
	version, ok := strings.CutSuffix(file, ".json")
	if !ok || !validVersion(version) {
		return nil, sdk.Errorf(404, "not found")
	}
	ps, err := platforms(h, typ, version)
	if err != nil {
		return nil, err
	}
	if len(ps[version]) == 0 {
		return nil, sdk.Errorf(404, "provider %s version %s not found", typ, version)
	}
	return jsonResponse(200, appendMirrorVersion(nil, typ, version, ps[version])), nil
}
