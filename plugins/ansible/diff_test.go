package ansible

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs the same publishes, refusals, API documents,
// task and delete through the native plugin and the .wasm on adapters/wasm,
// each against its own in-memory host, and requires identical outcomes
// and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "ansible", Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "r", Type: "local", Format: "ansible", BaseURL: "http://h/ansible/r"}
	up := func(file string, b []byte, digest string) ports.FormatRequest {
		body, ct := form(file, b, digest)
		return ports.FormatRequest{Method: "POST", Path: "/api/v3/artifacts/collections/", Body: d.Body(body), User: "u",
			Headers: []ports.Header{{Name: "Content-Type", Value: ct}}}
	}
	get := func(p, q string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: p, RawQuery: q} }
	v1, v11 := plugintest.Testdata(t, "keeper-demo-1.0.0.tar.gz"), plugintest.Testdata(t, "keeper-demo-1.1.0.tar.gz")
	d.Run([]ports.FormatRequest{
		up("keeper-demo-1.0.0.tar.gz", v1, sha(v1)),
		up("keeper-demo-1.1.0.tar.gz", v11, sha(v11)),
		up("keeper-demo-1.1.0.tar.gz", v11, sha(v11)),
		up("keeper-demo-1.2.0.tar.gz", v1, sha(v1)),
		up("keeper-demo-1.3.0.tar.gz", v1[:100], sha(v1[:100])),
		up("keeper-demo-1.0.0.tar.gz", v1, "bad"),
		get("/api/", ""),
		get("/api/v3/collections/", ""),
		get("/api/v3/collections/keeper/demo/", ""),
		get("/api/v3/collections/keeper/demo/versions/", "limit=1&offset=1"),
		get("/api/v3/collections/keeper/demo/versions/1.1.0/", ""),
		get("/api/v3/imports/collections/"+taskID(sha(v1))+"/", ""),
		get("/api/v3/collections/keeper/none/", ""),
		{Method: "DELETE", Path: "/api/v3/collections/keeper/demo/versions/1.1.0/"},
		get("/api/v3/collections/keeper/demo/versions/", ""),
		{Method: "PATCH", Path: "/api/"},
	})
	if len(d.Native.Files) != 1 {
		t.Fatalf("final files: %d", len(d.Native.Files))
	}
}
