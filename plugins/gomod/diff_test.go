package gomod_test

import (
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var diffRepo = &ports.RepoContext{Key: "gomods", Type: "local", Format: "go", BaseURL: "http://h/go/gomods"}

// loadWasm builds the plugin and loads it into a fresh wasm runtime.
func loadWasm(t testing.TB) (*wasm.Runtime, func()) {
	return plugintest.LoadWasm(t, "gomod", ".", ports.PluginLimits{}), func() {}
}

// TestNativeMatchesWasm runs the same requests through the native plugin and
// the built .wasm on adapters/wasm (real host-side zip reading), each against
// its own in-memory host, and requires identical responses and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "gomod", plugin, ".", ports.PluginLimits{})
	d.Repo = diffRepo
	body := d.Body
	const at = "time=2025-01-02T03:04:05Z" // the wasm clock is real: fix the upload time
	const m = "example.com/m"
	d.Run([]ports.FormatRequest{
		{Method: "PUT", Path: "/example.com/!lib/hello/@v/v1.0.0.zip", RawQuery: at, Body: body(fixture(t, "hello-v1.0.0.zip"))},
		{Method: "PUT", Path: "/example.com/!lib/hello/@v/v1.0.0.zip", RawQuery: at, Body: body(fixture(t, "hello-v1.0.0.zip"))},
		{Method: "PUT", Path: "/example.com/!lib/hello/v2/@v/v2.0.0.zip", RawQuery: at, Body: body(fixture(t, "hello-v2.0.0.zip"))},
		{Method: "PUT", Path: "/example.com/legacy/@v/v2.0.0+incompatible.zip", RawQuery: at, Body: body(fixture(t, "legacy-v2.0.0+incompatible.zip"))},
		{Method: "PUT", Path: "/example.com/m/@v/v0.0.0-20240102030405-abcdefabcdef.zip", Body: body(makeZip(
			file{Name: m + "@v0.0.0-20240102030405-abcdefabcdef/go.mod", Body: "module example.com/m\n"}))},
		{Method: "PUT", Path: "/example.com/m/@v/v1.0.0.zip", RawQuery: at, Body: body([]byte("not a zip"))},
		{Method: "PUT", Path: "/example.com/m/@v/v1.0.0.zip", RawQuery: at, Body: body(makeZip(file{Name: "x/go.mod"}))},
		{Method: "PUT", Path: "/example.com/m/@v/v1.0.0.zip", RawQuery: at, Body: body(makeZip(file{Name: m + "@v1.0.0/go.mod", Body: "module other.org/x\n"}))},
		{Method: "PUT", Path: "/example.com/m/@v/v2.0.0.zip", RawQuery: at, Body: body(makeZip(file{Name: m + "@v2.0.0/a.go"}))},
		{Method: "PUT", Path: "/example.com/m/@v/v1.0.0.mod", Body: body([]byte("module example.com/m\n"))},
		{Method: "GET", Path: "/example.com/!lib/hello/@v/list"},
		{Method: "GET", Path: "/example.com/!lib/hello/@latest"},
		{Method: "HEAD", Path: "/example.com/!lib/hello/@v/v1.0.0.info"},
		{Method: "GET", Path: "/example.com/!lib/hello/@v/v1.0.0.mod"},
		{Method: "GET", Path: "/example.com/!lib/hello/@v/v1.0.0.zip"},
		{Method: "GET", Path: "/example.com/!lib/hello/v2/@v/list"},
		{Method: "GET", Path: "/example.com/legacy/@v/v2.0.0+incompatible.info"},
		{Method: "GET", Path: "/example.com/m/@v/list"},
		{Method: "GET", Path: "/example.com/m/@latest"},
		{Method: "GET", Path: "/example.com/!lib/hello/@v/v9.9.9.info"},
		{Method: "GET", Path: "/example.com/missing/@v/list"},
		{Method: "GET", Path: "/sumdb/sum.golang.org/supported"},
		{Method: "GET", Path: "/bad"},
		{Method: "DELETE", Path: "/example.com/!lib/hello/v2/@v/v2.0.0.zip"},
		{Method: "GET", Path: "/example.com/!lib/hello/v2/@v/list"},
		{Method: "OPTIONS", Path: "/example.com/m/@v/list"},
	})
	if len(d.Native.Files) != 9 {
		t.Fatalf("final files (%d): %v", len(d.Native.Files), d.Native.Files)
	}
}

// nativeHandle runs the plugin natively against a ports.HostCall.
func nativeHandle(t testing.TB, h ports.HostCall, req ports.FormatRequest) ports.FormatResponse {
	r, err := plugintest.NativeHandle(plugin, h, req)
	if err != nil {
		t.Fatalf("native: %v", err)
	}
	return r
}
