package mlmodel

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs card and file uploads, refusals and the
// listings through the native plugin and through the .wasm on
// adapters/wasm, each against its own in-memory host, and requires
// identical outcomes and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm module")
	}
	d := plugintest.New(t, "mlmodel", Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "ml", Type: "local", Format: "mlmodel", BaseURL: "http://h/mlmodel/ml"}
	d.User = "alice"
	put := func(path, b string) ports.FormatRequest {
		return ports.FormatRequest{Method: "PUT", Path: path, Body: d.Body([]byte(b))}
	}
	get := func(path string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: path} }
	d.Run([]ports.FormatRequest{
		put("/sentiment/1.0.0/README.md", hfCard),
		put("/sentiment/1.0.0/model.safetensors", "weights"),
		put("/churn/2/MLmodel", mlflowModel),
		put("/sentiment/1.0.0/model.safetensors", "again"),
		put("/m/1/README.md", "---\nlicense: [x\n---\n"),
		put("/other/1/model.json", `{"name":"x"}`),
		get("/"), get("/sentiment/"), get("/sentiment/1.0.0/"), get("/nope/"),
		{Method: "DELETE", Path: "/churn/2/MLmodel"},
		{Method: "POST", Path: "/a/1/b"},
	})
}
