package helm

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// hostWith200 holds one chart with 200 versions (Chart.yaml fields as
// `helm create` writes them, plus a maintainer and keywords).
func hostWith200() *porttest.MemHost {
	h := porttest.NewMemHost()
	for i := 0; i < 200; i++ {
		v := fmt.Sprintf("1.%d.%d", i/10, i%10)
		p := "charts/bench-chart-" + v + ".tgz"
		h.AddFile(p, []byte("chart "+v))
		meta, _ := encodeMeta(&Metadata{APIVersion: "v2", Name: "bench-chart", Version: v, AppVersion: "1.16.0",
			Description: "A Helm chart for Kubernetes", Type: "application", Keywords: []string{"bench", "keeper"},
			Home: "https://example.test/bench", Maintainers: []Maintainer{{Name: "Keeper", Email: "keeper@example.test"}}})
		f := h.Files[p]
		f.Package, f.Version, f.Metadata, f.CreatedAt = "bench-chart", v, meta, time.UnixMilli(1700000000000+int64(i))
		h.Files[p] = f
	}
	return h
}

// BenchmarkIndexYAML renders index.yaml for a chart with 200 versions,
// natively and through the wasm runtime.
func BenchmarkIndexYAML(b *testing.B) {
	h := hostWith200()
	req := ports.FormatRequest{Method: "GET", Path: "/index.yaml",
		Repo: &ports.RepoContext{Key: "charts", Format: "helm", BaseURL: "http://h/helm/charts"}}
	ctx := context.Background()
	rt, done := loadWasm(b)
	defer done()
	check := func(r ports.FormatResponse, err error) {
		if err != nil || r.Status != 200 || len(r.Body) < 200*300 {
			b.Fatal(err, r.Status, len(r.Body))
		}
	}
	b.Run("native", func(b *testing.B) {
		defer wasmtest.MeasureCPU(b)()
		for i := 0; i < b.N; i++ {
			check(nativeHandle(h, req))
		}
	})
	b.Run("wasm", func(b *testing.B) {
		defer wasmtest.MeasureCPU(b)()
		for i := 0; i < b.N; i++ {
			check(rt.Handle(ctx, "helm", req, h))
		}
	})
}
