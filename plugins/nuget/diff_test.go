package nuget_test

import (
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/plugins/nuget"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

func loadWasm(t testing.TB) *wasm.Runtime {
	return plugintest.LoadWasm(t, "nuget", ".", ports.PluginLimits{})
}

// TestNativeMatchesWasm runs the same requests (pushes, including the real
// NuGet 2.8 body, refusals, v3 and v2 documents, unlist) through the
// native plugin and the built .wasm and requires identical outcomes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "nuget", nuget.Plugin{}, ".", ports.PluginLimits{})
	d.Repo = &ports.RepoContext{Key: "nu", Type: "local", Format: "nuget", BaseURL: "http://h/nuget/nu"}
	push := func(pkg []byte) ports.FormatRequest {
		body, ct := multipartBody(pkg)
		return ports.FormatRequest{Method: "PUT", Path: "/api/v2/package", User: "alice", Body: d.Body(body),
			Headers: []ports.Header{{Name: "Content-Type", Value: ct}}}
	}
	get := func(p, q string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: p, RawQuery: q} }
	d.Run([]ports.FormatRequest{
		get("/v3/index.json", ""),
		{Method: "PUT", Path: "/api/v2/package/", User: "alice", Body: d.Body(fixture(t, "push-nuget-2.8.bin")),
			Headers: []ports.Header{{Name: "Content-Type", Value: "multipart/form-data; boundary=---------------------------8df53c0b38c8fb6"}}},
		push(nupkg(t, "Keeper.Demo", "1.0.0", depXML)),
		push(nupkg(t, "Keeper.Demo", "1.1.0-beta.1", depXML)),
		push(nupkg(t, "Keeper.Demo", "1.0.0", "")), // 409
		push([]byte("junk")),
		push(zipOf(t, entry{"lib/a.dll", "x"})),
		get("/v3/package/keeper.demo/index.json", ""), get("/v3/registration/keeper.demo/index.json", ""),
		get("/v3/registration/keeper.demo/1.0.0.json", ""), get("/v3/query", "q=keeper&prerelease=true"),
		get("/api/v2/", ""), get("/api/v2/$metadata", ""), get("/api/v2/FindPackagesById()", "id='Keeper.Demo'"),
		get("/api/v2/Packages(Id='Keeper.Demo',Version='1.0.0')", ""), get("/api/v2/Search()", "searchTerm='demo'"),
		{Method: "DELETE", Path: "/api/v2/package/Keeper.Util/2.0.1"},
		get("/v3/query", "q=util"), get("/api/v2/package/keeper.demo/1.0.0", ""),
	})
}
