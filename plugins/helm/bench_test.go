package helm

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
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

// BenchmarkRemoteIndex2000 rewrites an upstream index.yaml of 2,000 chart
// versions and merges two members' of 2,000 (1,000 shared), natively and
// through the wasm runtime.
func BenchmarkRemoteIndex2000(b *testing.B) {
	const up, local = "https://up.example/r", "http://keeper.test/helm/v"
	upDoc := bigIndex(0, 2000)
	member, err := (Plugin{}).Rewrite(nil, "/index.yaml", bigIndex(1000, 2000), up, local)
	if err != nil {
		b.Fatal(err)
	}
	docs := [][]byte{member, upDoc}
	checkRewrite := func(b *testing.B, out []byte, err error) {
		if err != nil || bytes.Count(out, []byte(local+"/charts/")) != 2000 {
			b.Fatalf("%v %.200s", err, out)
		}
	}
	checkMerge := func(b *testing.B, out []byte, err error) {
		if err != nil || bytes.Count(out, []byte("\n    - apiVersion")) != 3000 {
			b.Fatalf("%v %.200s", err, out)
		}
	}
	b.Run("rewrite/native", func(b *testing.B) {
		defer wasmtest.MeasureCPU(b)()
		for b.Loop() {
			out, err := sdk.CallRewrite(Plugin{}, nil, "/index.yaml", upDoc, up, local)
			checkRewrite(b, out, err)
		}
	})
	b.Run("merge/native", func(b *testing.B) {
		defer wasmtest.MeasureCPU(b)()
		for b.Loop() {
			out, err := sdk.CallMerge(Plugin{}, nil, "/index.yaml", docs)
			checkMerge(b, out, err)
		}
	})
	rt, done := loadWasm(b)
	defer done()
	b.Run("rewrite/wasm", func(b *testing.B) {
		defer wasmtest.MeasureCPU(b)()
		for b.Loop() {
			doc, err := rt.Rewrite(context.Background(), "helm", wasm.CallContext{}, "/index.yaml", upDoc, up, local)
			checkRewrite(b, doc.Body, err)
		}
	})
	b.Run("merge/wasm", func(b *testing.B) {
		defer wasmtest.MeasureCPU(b)()
		for b.Loop() {
			doc, err := rt.Merge(context.Background(), "helm", wasm.CallContext{}, "/index.yaml", docs)
			checkMerge(b, doc.Body, err)
		}
	})
}
