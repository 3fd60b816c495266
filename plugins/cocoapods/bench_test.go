package cocoapods_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/plugins/cocoapods"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkShard renders a shard file holding 20 pods of 20 versions,
// natively and through the wasm runtime (report the wasm/native ratio).
func BenchmarkShard(b *testing.B) {
	repo := &ports.RepoContext{Key: "pods", Format: "cocoapods", BaseURL: base}
	h := porttest.NewMemHost()
	for i := 0; i < 20; i++ {
		for j := 0; j < 20; j++ {
			// Names of one shard: the plugin keys rows by md5 prefix.
			if err := h.StageKV(ports.KV{Namespace: "shard", Key: fmt.Sprintf("0_2_e/Pod%02d/1.%d.0", i, j)}, false); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := h.Commit(); err != nil {
		b.Fatal(err)
	}
	rt := plugintest.LoadWasm(b, "cocoapods", ".", wasmLimits)
	req := ports.FormatRequest{Method: "GET", Path: "/all_pods_versions_0_2_e.txt", Repo: repo}
	b.Run("native", func(b *testing.B) {
		defer wasmtest.MeasureCPU(b)()
		for i := 0; i < b.N; i++ {
			if r, err := plugintest.NativeHandle(cocoapods.Plugin{}, h, req); err != nil || r.Status != 200 || len(r.Body) < 2000 {
				b.Fatal(err, r.Status, len(r.Body))
			}
		}
	})
	b.Run("wasm", func(b *testing.B) {
		defer wasmtest.MeasureCPU(b)()
		for i := 0; i < b.N; i++ {
			if r, err := rt.Handle(context.Background(), "cocoapods", req, h); err != nil || r.Status != 200 {
				b.Fatal(err, r.Status)
			}
		}
	})
}
