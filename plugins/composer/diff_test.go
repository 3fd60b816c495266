package composer_test

import (
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/plugins/composer"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

func loadWasm(t testing.TB) *wasm.Runtime {
	return plugintest.LoadWasm(t, "composer", ".", ports.PluginLimits{})
}

// TestNativeMatchesWasm runs the same requests through the native plugin
// and the built .wasm, each on its own in-memory host, and requires
// identical responses and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "composer", composer.Plugin{}, ".", ports.PluginLimits{})
	d.Repo = &ports.RepoContext{Key: "php", Type: "local", Format: "composer", BaseURL: "http://h/composer/php"}
	up := func(b []byte, q string) ports.FormatRequest {
		return ports.FormatRequest{Method: "PUT", Path: "/api/packages", RawQuery: q, User: "alice", Body: d.Body(b)}
	}
	get := func(p, q string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: p, RawQuery: q} }
	d.Run([]ports.FormatRequest{
		get("/packages.json", ""),
		up(pkgZip(t, "keeper/demo", "1.0.0", ""), ""),
		up(pkgZip(t, "keeper/demo", "", `, "require": {"php": ">=7.4"}`), "version=1.1.0"),
		up(pkgZip(t, "keeper/demo", "dev-main", ""), ""),
		up(pkgZip(t, "keeper/util", "2.0.1", `, "type": "composer-plugin"`), ""),
		up(pkgZip(t, "keeper/demo", "1.0.0", ""), ""), // 409
		up([]byte("junk"), ""),
		up(pkgZip(t, "keeper/x", "1.0.0", ""), "version=2.0.0"),
		up(zipOf(t, entry{"src/a.php", "x"}), "version=1.0.0"),
		get("/packages.json", ""), get("/p2/keeper/demo.json", ""), get("/p2/keeper/demo~dev.json", ""),
		get("/p2/keeper/util.json", ""), get("/p2/keeper/nothing.json", ""),
		get("/search.json", "q=demo"), get("/search.json", "q=keeper&per_page=1&page=2"),
		{Method: "DELETE", Path: "/packages.json"},
	})
	if len(d.Native.Files) != 4 {
		t.Fatalf("final files: %d", len(d.Native.Files))
	}
}
