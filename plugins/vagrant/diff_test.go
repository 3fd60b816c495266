package vagrant

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs the same uploads, refusals, catalogs and
// deletes through the native plugin and the .wasm on adapters/wasm, each
// against its own in-memory host, and requires identical outcomes and
// staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "vagrant", Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "r", Type: "local", Format: "vagrant", BaseURL: base}
	put := func(p string, b []byte) ports.FormatRequest {
		return ports.FormatRequest{Method: "PUT", Path: p, Body: d.Body(b), User: "u"}
	}
	get := func(p string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: p} }
	b1, b2 := libvirtBox("1"), libvirtBox("2")
	d.Run([]ports.FormatRequest{
		put("/acme/base/1.0.0/libvirt.box", b1),
		put("/acme/base/1.10.0/libvirt.box", b2),
		put("/acme/base/1.2.0/virtualbox.box", boxFile(false, `{"provider":"virtualbox"}`)),
		put("/acme/base/1.0.0/libvirt.box", b2),
		put("/acme/base/2.0.0/libvirt.box", b1[:len(b1)/2]),
		put("/acme/base/2.0.0/virtualbox.box", b1),
		put("/acme/base/2.0.0/libvirt.box", boxFile(true, "", [2]string{"box.img", "x"})),
		put("/acme/base/2.0.0/libvirt.box", boxFile(true, "{nope")),
		put("/acme/base/x/libvirt.box", b1),
		put("/acme/base", []byte(`{"description":"d"}`)),
		get("/acme/base"),
		get("/acme/base.json"),
		get("/acme/none"),
		{Method: "DELETE", Path: "/acme/base/1.10.0/libvirt.box"},
		get("/acme/base"),
		{Method: "PATCH", Path: "/acme/base"},
	})
	if len(d.Native.Files) != 2 {
		t.Fatalf("final files: %d", len(d.Native.Files))
	}
}
