package conda_test

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/plugins/conda"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs uploads, refusals, every index document and a
// delete through the native plugin and through the .wasm on adapters/wasm,
// each against its own in-memory host, and requires identical outcomes and
// staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "conda", conda.Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "ch", Type: "local", Format: "conda", BaseURL: "http://h/conda/ch"}
	s, err := pgp.NewSigner(pgp.Ed25519, "ch")
	if err != nil {
		t.Fatal(err)
	}
	d.Native.Signing, d.Wasm.Signing = s, s
	v1 := tarBz2(t, index("hello", "1.0", "py_0", "noarch"))
	v2 := condaPkg(t, index("hello", "1.1", "py_0", "noarch"))
	tool := condaPkg(t, index("tool", "0.3", "h1_2", "linux-64"))
	put := func(path string, b []byte) ports.FormatRequest {
		return ports.FormatRequest{Method: "PUT", Path: path, Body: d.Body(b), User: "u"}
	}
	get := func(path string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: path} }
	d.Run([]ports.FormatRequest{
		put("/hello-1.0-py_0.tar.bz2", v1),
		put("/noarch/hello-1.1-py_0.conda", v2),
		put("/tool-0.3-h1_2.conda", tool),
		put("/hello-1.0-py_0.tar.bz2", v1),
		put("/other-1.0-py_0.tar.bz2", v1),
		put("/hello-1.1-py_0.conda", v2[:len(v2)-30]),
		put("/linux-64/hello-1.0-py_0.tar.bz2", v1),
		get("/noarch/repodata.json"),
		get("/noarch/repodata.json.bz2"),
		get("/noarch/repodata.json.zst"),
		get("/noarch/current_repodata.json"),
		get("/linux-64/repodata.json"),
		get("/channeldata.json"),
		get("/repodata.json.key"),
		{Method: "DELETE", Path: "/noarch/hello-1.0-py_0.tar.bz2"},
		get("/noarch/repodata.json"),
		{Method: "PATCH", Path: "/"},
	})
	if len(d.Native.Files) != 4 {
		t.Fatalf("final files: %d", len(d.Native.Files))
	}
}
