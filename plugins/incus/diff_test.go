package incus_test

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/incus"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs the publishes, the refusals and every
// document through the native plugin and its .wasm on adapters/wasm (whose
// host reads the multipart body and the tarballs), each against its own
// in-memory host, and requires identical outcomes and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "incus", incus.Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "images", Type: "local", Format: "incus", BaseURL: base}
	d.User = "alice"
	post := func(meta, root []byte) ports.FormatRequest {
		body, ct := multipartBody(meta, root)
		return ports.FormatRequest{Method: "POST", Path: "/images", Body: d.Body(body),
			Headers: []ports.Header{{Name: "Content-Type", Value: ct}}}
	}
	get := func(p string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: p} }
	meta := metaTarball("alpine", "3.20", "x86_64", "20251201_0000")
	d.Run([]ports.FormatRequest{
		post(meta, squashfs("a")),
		post(metaTarball("alpine", "3.20", "aarch64", "20251201_0000"), squashfs("b")),
		post(unified("debian", "bookworm", "20251203"), nil),
		post(meta, squashfs("a")),
		post(meta[:len(meta)/2], squashfs("a")),
		post(metaTarball("alpine", "3.21", "x86_64", "x"), squashfs("a")),
		get("/streams/v1/index.json"),
		get("/streams/v1/images.json"),
		get("/streams/v1/nope.json"),
	})
}
