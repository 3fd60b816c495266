package alpine

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs uploads, refusals, the signed index and the
// key through the native plugin and through the .wasm on adapters/wasm,
// each against its own in-memory host with the same RSA key (PKCS#1 v1.5
// signatures are deterministic), and requires identical outcomes and
// staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "alpine", Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "al", Type: "local", Format: "alpine", BaseURL: "http://h/alpine/al"}
	d.Native.Signing, d.Wasm.Signing = signer(), signer()
	d.SameMessage = func(a, b string) bool { return a == b || len(a) > 40 && a[:40] == b[:40] }
	good, _ := hello.build()
	tl, _ := tool.build()
	forged := hello
	forged.datahash = "ab" + good256()[2:]
	forgedApk, _ := forged.build()
	put := func(path string, b []byte) ports.FormatRequest {
		return ports.FormatRequest{Method: "PUT", Path: path, Body: d.Body(b), User: "u"}
	}
	get := func(path string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: path} }
	d.Run([]ports.FormatRequest{
		put(dir+"keeper-hello-1.0-r0.apk", good),
		put(dir+"keeper-tool-0.3-r2.apk", tl),
		put(dir+"keeper-hello-1.0-r0.apk", good),
		put(dir+"keeper-hello-1.0-r0.apk", forgedApk),
		put(dir+"keeper-hello-1.0-r0.apk", good[:100]),
		get(dir + "APKINDEX.tar.gz"),
		get("/keys/keeper-test-alpine.rsa.pub"),
		{Method: "DELETE", Path: dir + "keeper-tool-0.3-r2.apk"},
		get(dir + "APKINDEX.tar.gz"),
		{Method: "PATCH", Path: dir + "x"},
	})
	if len(d.Native.Files) != 1 {
		t.Fatalf("final files: %d", len(d.Native.Files))
	}
}

func good256() string { return "0000000000000000000000000000000000000000000000000000000000000000" }
