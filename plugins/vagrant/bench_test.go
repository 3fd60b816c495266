package vagrant

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkCatalog renders the catalog of a box with 200 versions of two
// providers each (stored as upload stores them), natively and through the wasm runtime.
func BenchmarkCatalog(b *testing.B) {
	h := porttest.NewMemHost()
	for i := 0; i < 200; i++ {
		v := fmt.Sprintf("1.%d.%d", i/10, i%10)
		for _, p := range []string{"libvirt", "virtualbox"} {
			path := "acme/base/" + v + "/" + p + ".box"
			h.AddFile(path, []byte(path))
			f := h.Files[path]
			f.Package, f.Version = "acme/base", v
			f.Metadata = boxMetadata(box{org: "acme", name: "base", version: v, provider: p}) // as upload stores it
			h.Files[path] = f
		}
	}
	req := ports.FormatRequest{Method: "GET", Path: "/acme/base",
		Repo: &ports.RepoContext{Key: "r", Format: "vagrant", BaseURL: base}}
	rt := plugintest.LoadWasm(b, "vagrant", ".", wasmLimits)
	bench := &plugintest.Bench{Plugin: Plugin{}, ID: "vagrant", RT: rt, Host: h}
	bench.Run(b, "native", "native", req, 200, nil)
	bench.Run(b, "wasm", "wasm", req, 200, nil)
}
