package p2

import (
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs uploads of bundles and a feature, refusals
// and every document form through the native plugin and through the
// .wasm on adapters/wasm, each against its own in-memory host, and
// requires identical outcomes and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm module")
	}
	d := plugintest.New(t, "p2", Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "ecl", Type: "local", Format: "p2", BaseURL: "http://h/p2/ecl"}
	d.User = "alice"
	d.SameMessage = func(a, b string) bool { return strings.SplitN(a, ":", 2)[0] == strings.SplitN(b, ":", 2)[0] }
	put := func(path string, b []byte) ports.FormatRequest {
		return ports.FormatRequest{Method: "PUT", Path: path, Body: d.Body(b)}
	}
	get := func(path string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: path} }
	d.Run([]ports.FormatRequest{
		put("/plugins/org.keeper.a_1.2.3.v20261207.jar", bundleA),
		put("/plugins/org.keeper.b_2.0.0.jar", bundleB),
		put("/features/org.keeper.feature_1.0.0.qualifier.jar", feature),
		put("/plugins/org.keeper.b_2.0.0.jar", bundleB),
		put("/plugins/org.keeper.a_1.2.3.v20261207.jar", bundleA[:len(bundleA)-30]),
		put("/plugins/x_1.0.0.jar", jar([2]string{"a.txt", "a"})),
		get("/content.xml"), get("/artifacts.xml"), get("/content.jar"), get("/artifacts.jar"), get("/p2.index"),
		get("/compositeContent.xml"),
		{Method: "DELETE", Path: "/plugins/org.keeper.b_2.0.0.jar"},
		get("/content.xml"),
		{Method: "POST", Path: "/content.xml"},
	})
	if len(d.Native.Files) != 2 {
		t.Fatalf("final files: %d", len(d.Native.Files))
	}
}
