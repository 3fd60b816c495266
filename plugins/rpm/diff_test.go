package rpm

import (
	"bytes"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs uploads, refusals, the repodata documents and a
// delete through the native plugin and through the .wasm on adapters/wasm,
// each against its own in-memory host, and requires identical outcomes and
// staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "rpm", Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "el", Type: "local", Format: "rpm", BaseURL: "http://h/rpm/el"}
	// The same key on both hosts (OpenPGP signatures carry a time, so only
	// the public key is compared; TestRepomdSignature checks the signature).
	d.Native.Signing, d.Wasm.Signing = signer(), signer()
	hello, tool := fixture(t, helloRPM), fixture(t, toolRPM)
	forged := bytes.Clone(hello)
	forged[len(forged)-20] ^= 0xff
	put := func(path string, b []byte) ports.FormatRequest {
		return ports.FormatRequest{Method: "PUT", Path: path, Body: d.Body(b), User: "u"}
	}
	get := func(path string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: path} }
	d.Run([]ports.FormatRequest{
		put("/"+helloRPM, hello),
		put("/Packages/"+toolRPM, tool),
		put("/"+helloRPM, hello),
		put("/"+helloRPM, forged),
		put("/"+helloRPM, hello[:500]),
		put("/x-1-1.noarch.rpm", craft(map[uint32]tagVal{tagBaseNames: sa("x"), tagDirNames: sa("/../"), tagDirIndexes: i32(0)}, []byte("p"))),
		get("/repodata/repomd.xml"),
		get("/repodata/repomd.xml.key"),
		get("/repodata/" + "0000000000000000000000000000000000000000000000000000000000000000-primary.xml.gz"),
		{Method: "DELETE", Path: "/Packages/" + toolRPM},
		get("/repodata/repomd.xml"),
		{Method: "PATCH", Path: "/"},
	})
	if len(d.Native.Files) != 4 {
		t.Fatalf("final files: %d", len(d.Native.Files))
	}
}
