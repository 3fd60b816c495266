package openvsx

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs the same namespace creation, publishes,
// refusals and API documents through the native plugin and the .wasm on
// adapters/wasm, each against its own in-memory host, and requires
// identical outcomes and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "openvsx", Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "r", Type: "local", Format: "openvsx", BaseURL: "http://h/openvsx/r"}
	post := func(p string, b []byte) ports.FormatRequest {
		return ports.FormatRequest{Method: "POST", Path: p, RawQuery: "token=t", Body: d.Body(b), User: "u",
			Headers: []ports.Header{{Name: "Content-Type", Value: "application/octet-stream"}}}
	}
	get := func(p, q string) ports.FormatRequest {
		return ports.FormatRequest{Method: "GET", Path: p, RawQuery: q, User: "u"}
	}
	v1 := vsixFile("keeper", "demo", "1.0.0")
	d.Run([]ports.FormatRequest{
		post("/api/-/publish", v1),
		post("/api/-/namespace/create", []byte(`{"name":"keeper"}`)),
		post("/api/-/namespace/create", []byte(`{"name":"keeper"}`)),
		post("/api/-/publish", v1),
		post("/api/-/publish", vsixFile("keeper", "demo", "1.1.0")),
		post("/api/-/publish", vsixFile("keeper", "pack", "0.1.0", "keeper.demo")),
		post("/api/-/publish", v1),
		post("/api/-/publish", v1[:200]),
		post("/api/-/publish", zipOf([2]string{"extension.vsixmanifest", manifestXML("keeper", "demo", "2.0.0", false)},
			[2]string{"extension/package.json", packageJSONText("keeper", "x", "2.0.0")})),
		get("/api/keeper/demo", ""),
		get("/api/keeper/demo/1.0.0", ""),
		get("/api/keeper/demo/versions", ""),
		get("/api/keeper", ""),
		get("/api/-/search", "query=keeper"),
		get("/api/keeper/nope", ""),
		{Method: "POST", Path: "/vscode/gallery/extensionquery", Body: d.Body([]byte(installQuery)), User: "u",
			Headers: []ports.Header{{Name: "Content-Type", Value: "application/json"}}},
		get("/vscode/asset/keeper/demo/1.1.0/Microsoft.VisualStudio.Services.VSIXPackage", ""),
		{Method: "PATCH", Path: "/api/keeper"},
	})
}
