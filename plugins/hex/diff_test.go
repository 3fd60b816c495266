package hex

import (
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

func loadWasm(t testing.TB) *wasm.Runtime { return plugintest.LoadWasm(t, "hex", ".", wasmLimits) }

// TestNativeMatchesWasm runs the same requests (publishes, refusals, every
// registry resource, the public key) through the native plugin and through
// the .wasm on adapters/wasm, each against its own in-memory host with the
// same RSA key, and requires identical outcomes and staged writes (the
// resources are deterministic: PKCS#1 v1.5 signatures and gzip).
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "hex", Plugin{}, ".", wasmLimits)
	d.Setup(func(h *porttest.MemHost) { h.Signing = rsaSigner })
	d.Repo = &ports.RepoContext{Key: "hexrepo", Type: "local", Format: "hex", BaseURL: "http://h/hex/hexrepo"}
	d.SameMessage = func(a, b string) bool {
		return strings.HasPrefix(a, "invalid package tarball") && strings.HasPrefix(b, "invalid package tarball")
	}
	post := func(path string, b []byte) ports.FormatRequest {
		return ports.FormatRequest{Method: "POST", Path: path, Body: d.Body(b), User: "u"}
	}
	get := func(path string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: path} }
	ok := hexTarball(t, "mydep", "1.0.0", "[]", nil)
	d.Run([]ports.FormatRequest{
		post("/api/publish", ok),
		post("/api/publish", ok),
		post("/api/packages/mydep/releases", hexTarball(t, "mydep", "1.1.0", `[{<<"other">>,[{<<"app">>,<<"other">>},{<<"optional">>,false},{<<"requirement">>,<<"~> 2.0">>}]}]`, nil)),
		post("/api/publish", ok[:len(ok)-100]),
		post("/api/publish", hexTarball(t, "mydep", "2.0.0", "[]", func(f map[string][]byte) { f["CHECKSUM"] = []byte(strings.Repeat("A", 64)) })),
		get("/names"),
		get("/versions"),
		get("/packages/mydep"),
		get("/packages/nope"),
		get("/public_key"),
		{Method: "DELETE", Path: "/packages/mydep"},
	})
	if len(d.Native.Files) != 2 {
		t.Fatalf("final files: %d", len(d.Native.Files))
	}
}
