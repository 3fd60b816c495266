package openvsx

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with ovsx's namespace creation and
// publish and the paths ovsx get reads, makes the plugin panic or answer
// a server error.
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, Plugin{}, "openvsx", "http://k/openvsx/r", []plugintest.FuzzSeed{
		plugintest.Seed(3, "/api/-/namespace/create", "token=t", "application/json", []byte(`{"name":"keeper"}`)),
		plugintest.Seed(3, "/api/-/publish", "token=t", "application/octet-stream", vsixFile("keeper", "demo", "1.0.0", "keeper.base")),
		plugintest.Seed(0, "/api/keeper/demo", "", "", nil),
		plugintest.Seed(0, "/api/keeper/demo/1.0.0", "", "", nil),
		plugintest.Seed(0, "/api/keeper/demo/versions", "", "", nil),
		plugintest.Seed(0, "/api/keeper", "", "", nil),
		plugintest.Seed(3, "/vscode/gallery/extensionquery", "", "application/json", []byte(installQuery)),
		plugintest.Seed(0, "/vscode/asset/keeper/demo/1.0.0/Microsoft.VisualStudio.Services.VSIXPackage", "", "", nil),
		plugintest.Seed(0, "/api/-/search", "query=demo&size=5&offset=1", "", nil),
	})
}
