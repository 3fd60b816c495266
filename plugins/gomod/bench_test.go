package gomod_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkList renders @v/list of a module with 200 versions (600 stored
// files), natively and through the wasm runtime. The host caches the answer
// per repository generation, so this is the cost of a cache miss.
func BenchmarkList(b *testing.B) {
	h := porttest.NewMemHost()
	for i := 0; i < 200; i++ {
		v := fmt.Sprintf("v1.%d.%d", i/10, i%10)
		for _, ext := range []string{"info", "mod", "zip"} {
			h.AddFile("example.com/!lib/hello/@v/"+v+"."+ext, []byte(`{"Version":"`+v+`","Time":"2025-01-02T03:04:05Z"}`))
		}
	}
	req := ports.FormatRequest{Method: "GET", Path: "/example.com/!lib/hello/@v/list", Repo: diffRepo}
	check := func(b *testing.B, r ports.FormatResponse) {
		if r.Status != 200 || strings.Count(string(r.Body), "\n") != 200 {
			b.Fatalf("%d %q", r.Status, r.Body)
		}
	}
	b.Run("native", func(b *testing.B) {
		b.ReportAllocs()
		defer wasmtest.MeasureCPU(b)()
		for i := 0; i < b.N; i++ {
			check(b, nativeHandle(b, h, req))
		}
	})
	b.Run("wasm", func(b *testing.B) {
		rt, done := loadWasm(b)
		defer done()
		ctx := context.Background()
		b.ResetTimer()
		defer wasmtest.MeasureCPU(b)()
		for i := 0; i < b.N; i++ {
			r, err := rt.Handle(ctx, "gomod", req, h)
			if err != nil {
				b.Fatal(err)
			}
			check(b, r)
		}
	})
}
