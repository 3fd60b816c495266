package cargo_test

import (
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/plugins/cargo"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

// loadWasm builds the plugin once per test binary and loads it into a runtime.
func loadWasm(t testing.TB) *wasm.Runtime {
	return plugintest.LoadWasm(t, "cargo", ".", ports.PluginLimits{})
}

// TestNativeMatchesWasm runs the same requests (the real cargo publish
// bodies of testdata, yank, search, index reads, refusals) through the native
// plugin and the built .wasm, each on its own in-memory host, and requires
// identical responses and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "cargo", cargo.Plugin{}, ".", ports.PluginLimits{})
	d.Repo = &ports.RepoContext{Key: "crates", Type: "local", Format: "cargo", BaseURL: "http://h/cargo/crates"}
	body := d.Body
	put := func(b []byte) ports.FormatRequest {
		return ports.FormatRequest{Method: "PUT", Path: "/api/v1/crates/new", User: "alice", Body: body(b)}
	}
	get := func(p, q string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: p, RawQuery: q} }
	d.Run([]ports.FormatRequest{
		get("/config.json", ""),
		get("/de/mo/demo-lib", ""),
		put(fixture(t, "demo-lib-0.1.0.bin")),
		put(fixture(t, "demo-lib-0.2.0.bin")),
		put(fixture(t, "demo_util-1.0.0-beta.1.bin")),
		put(fixture(t, "demo-lib-0.2.0.bin")), // republish: 409
		put(publishBody(meta("bad", "1.0.0", nil), targz(t, entry{name: "other/Cargo.toml", data: []byte("x")}))),
		put(publishBody([]byte("{"), []byte("x"))),
		put([]byte{9, 0, 0, 0}),
		put(publishBody(meta("Demo-Lib", "3.0.0", nil), crate(t, "Demo-Lib", "3.0.0"))),
		get("/de/mo/demo-lib", ""),
		get("/de/mo/demo_util", ""),
		get("/De/mo/demo-lib", ""),
		get("/api/v1/crates", "q=demo&per_page=1"),
		get("/api/v1/crates", "q=demo"),
		get("/api/v1/crates/demo-lib/owners", ""),
		{Method: "DELETE", Path: "/api/v1/crates/demo-lib/0.2.0/yank"},
		get("/de/mo/demo-lib", ""),
		get("/api/v1/crates", "q=demo-lib"),
		{Method: "PUT", Path: "/api/v1/crates/demo-lib/0.2.0/unyank"},
		{Method: "PUT", Path: "/api/v1/crates/demo-lib/9.0.0/unyank"},
		get("/api/v1/crates/DEMO-LIB/0.1.0/download", ""),
		get("/api/v1/crates/demo-lib/7.0.0/download", ""),
		{Method: "POST", Path: "/de/mo/demo-lib"},
		get("/api/v1/nothing", ""),
	})
	if len(d.Native.Files) != 3 {
		t.Fatalf("final files: %d", len(d.Native.Files))
	}
}
