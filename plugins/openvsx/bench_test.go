package openvsx

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkExtension renders the extension document ovsx get reads (200
// versions, all listed in allVersions) and the versions list, natively
// and through the wasm runtime.
func BenchmarkExtension(b *testing.B) {
	h := porttest.NewMemHost()
	for i := 0; i < 200; i++ {
		v := fmt.Sprintf("1.%d.%d", i/10, i%10)
		m := extMeta{Namespace: "keeper", Name: "demo", Version: v, DisplayName: "Keeper Demo",
			Description: "A Keeper test extension", Engines: map[string]string{"vscode": "^1.80.0"}, Categories: []string{"Other"},
			Tags: []string{"keeper"}, License: "MIT", SHA256: fmt.Sprintf("%064d", i), Size: 1000,
			Files: map[string]string{"download": "keeper.demo-" + v + ".vsix", "manifest": "package.json", "readme": "README.md"}}
		// As publish stores the version and its .vsix.sha256 file.
		h.AddVersion(ports.Version{Package: "keeper.demo", Version: v, Metadata: versionMetadata(&m)})
		sum := fileDir("keeper", "demo", v) + sumFile("keeper", "demo", v)
		h.Files[sum] = ports.File{Path: sum, Package: "keeper.demo", Version: v, Metadata: docMetadata(&m)}
	}
	repo := &ports.RepoContext{Key: "r", Format: "openvsx", BaseURL: "http://h/openvsx/r"}
	rt := plugintest.LoadWasm(b, "openvsx", ".", wasmLimits)
	reqs := map[string]ports.FormatRequest{
		"extension": {Method: "GET", Path: "/api/keeper/demo", Repo: repo},
		"versions":  {Method: "GET", Path: "/api/keeper/demo/versions", Repo: repo},
	}
	for _, name := range []string{"extension", "versions"} {
		req := reqs[name]
		(&plugintest.Bench{Plugin: Plugin{}, ID: "openvsx", RT: rt, Host: h}).Both(b, name, req, 200)
	}
}
