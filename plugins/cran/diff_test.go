package cran

import (
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

func loadWasm(t testing.TB) *wasm.Runtime { return plugintest.LoadWasm(t, "cran", ".", wasmLimits) }

func nativeHandle(h ports.HostCall, req ports.FormatRequest) (ports.FormatResponse, error) {
	return plugintest.NativeHandle(Plugin{}, h, req)
}

// TestNativeMatchesWasm runs the same uploads, refusals, indexes, archive
// reads and deletes through the native plugin and through the .wasm on
// adapters/wasm, each against its own in-memory host, and requires
// identical outcomes and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "cran", Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "r", Type: "local", Format: "cran", BaseURL: "http://h/cran/r"}
	// Archive errors come from different host implementations: compare their start only.
	d.SameMessage = func(a, b string) bool {
		return strings.HasPrefix(a, "invalid package archive") && strings.HasPrefix(b, "invalid package archive")
	}
	put := func(path string, b []byte) ports.FormatRequest {
		return ports.FormatRequest{Method: "PUT", Path: path, Body: d.Body(b), User: "u"}
	}
	v1, v11 := fixture(t, "keeperdemo_1.0.0.tar.gz"), fixture(t, "keeperdemo_1.1.0.tar.gz")
	win := zipOf(t, [2]string{"keeperdemo/DESCRIPTION", desc("keeperdemo", "1.0.0", "Built: R 4.2.2; ; 2026-12-06; windows")})
	get := func(p string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: p} }
	d.Run([]ports.FormatRequest{
		put("/src/contrib/keeperdemo_1.0.0.tar.gz", v1),
		put("/src/contrib/keeperdemo_1.1.0.tar.gz", v11),
		put("/src/contrib/keeperdemo_1.1.0.tar.gz", v11),
		put("/src/contrib/keeperdemo_2.0.tar.gz", v1),
		put("/src/contrib/keeperdemo_1.2.tar.gz", v1[:len(v1)/2]),
		put("/src/contrib/x1_1.0.tar.gz", tarGz(t, [2]string{"x1/DESCRIPTION", desc("x1", "1.0")}, [2]string{"x1/../../x", "x"})),
		put("/src/contrib/zeta_0.1-2.tar.gz", tarGz(t, [2]string{"zeta/DESCRIPTION", desc("zeta", "0.1-2", "Imports: a,\n  b")})),
		put("/bin/windows/contrib/4.2/keeperdemo_1.0.0.zip", win),
		get("/src/contrib/PACKAGES"),
		get("/src/contrib/PACKAGES.gz"),
		get("/src/contrib/PACKAGES.rds"),
		get("/bin/windows/contrib/4.2/PACKAGES"),
		get("/src/contrib/Archive/keeperdemo/keeperdemo_1.0.0.tar.gz"),
		get("/src/contrib/nope_1.0.tar.gz"),
		{Method: "DELETE", Path: "/src/contrib/keeperdemo_1.1.0.tar.gz"},
		get("/src/contrib/PACKAGES"),
		{Method: "PATCH", Path: "/"},
	})
	if len(d.Native.Files) != 3 {
		t.Fatalf("final files: %d", len(d.Native.Files))
	}
}
