package mlmodel

import (
	"context"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkCardThenListing measures, in a version of 1, 100 and 1,000
// files, a model card upload (front matter parsed: the same work at every
// size) and the version's file listing after it, natively and through the
// wasm runtime.
func BenchmarkCardThenListing(b *testing.B) {
	repo := &ports.RepoContext{Key: "ml", Format: "mlmodel", BaseURL: "http://h/mlmodel/ml"}
	rt := plugintest.LoadWasm(b, "mlmodel", ".", wasmLimits)
	ctx := context.Background()
	for _, n := range []int{1, 100, 1000} {
		h := porttest.NewMemHost()
		for i := 0; i < n; i++ {
			h.AddFile(fmt.Sprintf("sentiment/1.0.0/shard-%05d.bin", i), []byte(fmt.Sprint(i)))
		}
		up := ports.FormatRequest{Method: "PUT", Path: "/sentiment/1.0.0/README.md", Repo: repo, Body: h.Body([]byte(hfCard)), User: "u"}
		list := ports.FormatRequest{Method: "GET", Path: "/sentiment/1.0.0/", Repo: repo}
		for _, mode := range []string{"native", "wasm"} {
			call := func(r ports.FormatRequest) (ports.FormatResponse, error) { return rt.Handle(ctx, "mlmodel", r, h) }
			if mode == "native" {
				call = func(r ports.FormatRequest) (ports.FormatResponse, error) {
					return plugintest.NativeHandle(Plugin{}, h, r)
				}
			}
			b.Run(fmt.Sprintf("card/%d/%s", n, mode), func(b *testing.B) {
				defer wasmtest.MeasureCPU(b)()
				for i := 0; i < b.N; i++ {
					if r, err := call(up); err != nil || r.Status != 201 {
						b.Fatal(err, r.Status)
					}
					h.Discard()
				}
			})
			b.Run(fmt.Sprintf("listing/%d/%s", n, mode), func(b *testing.B) {
				defer wasmtest.MeasureCPU(b)()
				for i := 0; i < b.N; i++ {
					if r, err := call(list); err != nil || r.Status != 200 {
						b.Fatal(err, r.Status)
					}
				}
			})
		}
	}
}
