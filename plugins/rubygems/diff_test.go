package rubygems_test

import (
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/plugins/rubygems"
	"github.com/keeper-registry/keeper/ports"
)

func loadWasm(t testing.TB) *wasm.Runtime {
	return plugintest.LoadWasm(t, "rubygems", ".", ports.PluginLimits{})
}

// TestNativeMatchesWasm runs the same requests (real gems from testdata,
// refusals, every index, yank) through the native plugin and the built
// .wasm, each on its own in-memory host, and requires identical responses
// and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "rubygems", rubygems.Plugin{}, ".", ports.PluginLimits{})
	d.Repo = &ports.RepoContext{Key: "gems", Type: "local", Format: "rubygems", BaseURL: "http://h/gems/gems"}
	push := func(b []byte) ports.FormatRequest {
		return ports.FormatRequest{Method: "POST", Path: "/api/v1/gems", User: "alice", Body: d.Body(b)}
	}
	get := func(p, q string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: p, RawQuery: q} }
	reqs := []ports.FormatRequest{get("/versions", ""), get("/specs.4.8.gz", "")}
	for _, f := range fixtures {
		reqs = append(reqs, push(fixture(t, f)))
	}
	reqs = append(reqs,
		push(fixture(t, "keeper_demo-1.0.0.gem")), // republish: 409
		push(gemOf(t, specYAML("bad", "1.0; x"))),
		push([]byte("junk")),
		get("/versions", ""), get("/names", ""), get("/info/keeper_demo", ""), get("/info/keeper_dep", ""), get("/info/nothing", ""),
		get("/specs.4.8.gz", ""), get("/latest_specs.4.8.gz", ""), get("/prerelease_specs.4.8.gz", ""),
		get("/api/v1/dependencies", "gems=keeper_demo,keeper_dep"), get("/api/v1/dependencies.json", "gems=keeper_demo"),
		ports.FormatRequest{Method: "DELETE", Path: "/api/v1/gems/yank", RawQuery: "gem_name=keeper_demo&version=1.0.0"},
		get("/versions", ""), get("/specs.4.8.gz", ""),
		get("/gems/nothing-1.gem", ""),
		ports.FormatRequest{Method: "PUT", Path: "/versions"},
	)
	d.Run(reqs)
	if len(d.Native.Files) != 6 {
		t.Fatalf("final files: %d", len(d.Native.Files))
	}
}
