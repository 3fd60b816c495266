package puppet

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs the same publishes, refusals, API documents
// and delete through the native plugin and the .wasm on adapters/wasm,
// each against its own in-memory host, and requires identical outcomes
// and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "puppet", Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "r", Type: "local", Format: "puppet", BaseURL: "http://h/puppet/r"}
	up := func(file string, b []byte) ports.FormatRequest {
		body, ct := form(file, b)
		return ports.FormatRequest{Method: "POST", Path: "/v3/releases", Body: d.Body(body), User: "u",
			Headers: []ports.Header{{Name: "Content-Type", Value: ct}}}
	}
	get := func(p, q string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: p, RawQuery: q} }
	v1, v11 := module("keeper-demo", "1.0.0"), module("keeper-demo", "1.1.0")
	d.Run([]ports.FormatRequest{
		up("keeper-demo-1.0.0.tar.gz", v1),
		up("keeper-demo-1.1.0.tar.gz", v11),
		up("keeper-app-0.1.0.tar.gz", module("keeper-app", "0.1.0", "keeper-demo")),
		up("keeper-demo-1.1.0.tar.gz", v11),
		up("keeper-demo-1.2.0.tar.gz", v1),
		up("keeper-demo-1.3.0.tar.gz", v1[:100]),
		up("x.tar.gz", tarball([2]string{"keeper-demo-1.0.0/metadata.json", metadataJSON("keeper-x", "1.0.0")})),
		get("/v3/releases", "module=keeper-demo&sort_by=version&exclude_fields="+excludes),
		get("/v3/releases", "module=keeper-demo&limit=1&offset=1"),
		get("/v3/releases", "owner=keeper&sort_by=release_date"),
		get("/v3/releases/keeper-demo-1.1.0", ""),
		get("/v3/modules", ""),
		get("/v3/modules/keeper-demo", ""),
		get("/v3/modules/keeper-demo/releases", ""),
		get("/v3/modules/keeper-none", ""),
		{Method: "DELETE", Path: "/v3/releases/keeper-demo-1.1.0"},
		get("/v3/releases", "module=keeper-demo"),
		{Method: "PATCH", Path: "/v3/releases"},
	})
	if len(d.Native.Files) != 2 {
		t.Fatalf("final files: %d", len(d.Native.Files))
	}
}
