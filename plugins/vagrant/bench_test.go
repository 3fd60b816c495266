package vagrant

import (
	"context"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkCatalog renders the catalog of a box with 200 versions of two
// providers each, natively and through the wasm runtime.
func BenchmarkCatalog(b *testing.B) {
	h := porttest.NewMemHost()
	for i := 0; i < 200; i++ {
		v := fmt.Sprintf("1.%d.%d", i/10, i%10)
		for _, p := range []string{"libvirt", "virtualbox"} {
			path := "acme/base/" + v + "/" + p + ".box"
			h.AddFile(path, []byte(path))
			f := h.Files[path]
			f.Package, f.Version = "acme/base", v
			h.Files[path] = f
		}
	}
	req := ports.FormatRequest{Method: "GET", Path: "/acme/base",
		Repo: &ports.RepoContext{Key: "r", Format: "vagrant", BaseURL: base}}
	rt := plugintest.LoadWasm(b, "vagrant", ".", wasmLimits)
	b.Run("native", func(b *testing.B) {
		defer wasmtest.MeasureCPU(b)()
		for i := 0; i < b.N; i++ {
			if r, err := plugintest.NativeHandle(Plugin{}, h, req); err != nil || r.Status != 200 {
				b.Fatal(err, r.Status, string(r.Body))
			}
		}
	})
	b.Run("wasm", func(b *testing.B) {
		defer wasmtest.MeasureCPU(b)()
		for i := 0; i < b.N; i++ {
			if r, err := rt.Handle(context.Background(), "vagrant", req, h); err != nil || r.Status != 200 {
				b.Fatal(err, r.Status)
			}
		}
	})
}
