package opkg

import (
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs uploads of both outer forms, refusals and
// every index document through the native plugin and through the .wasm on
// adapters/wasm, each against its own in-memory host, and requires
// identical outcomes and staged writes. (Signatures carry their time and
// are left to TestSignature; unsigned, Packages.sig is 404 in both.)
func TestNativeMatchesWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm module")
	}
	d := plugintest.New(t, "opkg", Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "ow", Type: "local", Format: "opkg", BaseURL: "http://h/opkg/ow"}
	d.User = "alice"
	// archives are read by different host implementations natively and in
	// wasm: compare the finding's start.
	d.SameMessage = func(a, b string) bool { return strings.SplitN(a, ":", 2)[0] == strings.SplitN(b, ":", 2)[0] }
	good, tl := hello.build(), tool.build()
	trav := hello
	trav.ctlExtra = map[string]string{"../../postinst": "x"}
	put := func(path string, b []byte) ports.FormatRequest {
		return ports.FormatRequest{Method: "PUT", Path: path, Body: d.Body(b)}
	}
	get := func(path string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: path} }
	d.Run([]ports.FormatRequest{
		put(feed+"keeper-hello_1.0-1_x86_64.ipk", good),
		put(feed+"keeper-tool_0.3-r2_all.ipk", tl),
		put(feed+"keeper-hello_1.0-1_x86_64.ipk", good),
		put(feed+"keeper-hello_1.0-1_x86_64.ipk", good[:len(good)-40]),
		put(feed+"keeper-hello_1.0-1_x86_64.ipk", trav.build()),
		put(feed+"keeper-tool_0.3-r2_all.ipk", good),
		get(feed + "Packages"),
		get(feed + "Packages.gz"),
		get(feed + "Packages.sig"),
		get("/key.asc"),
		{Method: "DELETE", Path: feed + "keeper-tool_0.3-r2_all.ipk"},
		get(feed + "Packages"),
		{Method: "PATCH", Path: feed + "x"},
	})
	if len(d.Native.Files) != 1 {
		t.Fatalf("final files: %d", len(d.Native.Files))
	}
}
