package bazel_test

import (
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/bazel"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs publishes, refusals, the registry documents
// and the remote cache through the native plugin and its .wasm on
// adapters/wasm, each against its own in-memory host, and requires
// identical outcomes and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "bazel", bazel.Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "bzl", Type: "local", Format: "bazel", BaseURL: base}
	d.User = "alice"
	put := func(p string, b []byte) ports.FormatRequest {
		return ports.FormatRequest{Method: "PUT", Path: p, Body: d.Body(b)}
	}
	get := func(p string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: p} }
	good := moduleArchive("demo", "1.0.0")
	d.Run([]ports.FormatRequest{
		put("/modules/demo/1.0.0/archive", good),
		put("/modules/demo/1.1.0/archive", moduleArchive("demo", "1.1.0")),
		put("/modules/demo/1.0.0/archive", good),
		put("/modules/demo/2.0.0/archive", moduleArchive("evil", "2.0.0")),
		put("/modules/demo/2.0.0/archive", good[:30]),
		put("/cas/"+strings.Repeat("a", 64), []byte("x")),
		put("/ac/"+strings.Repeat("a", 64), []byte("result")),
		get("/bazel_registry.json"),
		get("/modules/demo/metadata.json"),
		get("/modules/demo/1.0.0/source.json"),
		get("/modules/nope/metadata.json"),
		get("/cas/" + strings.Repeat("b", 64)),
	})
}
