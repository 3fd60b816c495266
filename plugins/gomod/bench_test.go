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
// files, uploaded through the plugin so they carry the metadata the host
// sorts and skips on), natively and through the wasm runtime. The host
// caches the answer per repository generation, so this is the cost of a
// cache miss.
func BenchmarkList(b *testing.B) {
	h := porttest.NewMemHost()
	for i := 0; i < 200; i++ {
		v := fmt.Sprintf("v1.%d.%d", i/10, i%10)
		upload(b, h, "example.com/!lib/hello", "example.com/Lib/hello", v)
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

// upload stores version v of module mod (escaped esc) through the plugin's
// PUT, as a client does, and commits it.
func upload(b testing.TB, h *porttest.MemHost, esc, mod, v string) {
	zip := makeZip(file{Name: mod + "@" + v + "/go.mod", Body: "module " + mod + "\n"})
	r := nativeHandle(b, h, ports.FormatRequest{Method: "PUT", Path: "/" + esc + "/@v/" + v + ".zip",
		RawQuery: "time=2025-01-02T03:04:05Z", Body: h.Body(zip), Repo: diffRepo})
	if r.Status != 201 {
		b.Fatalf("upload %s@%s: %d %s", mod, v, r.Status, r.Body)
	}
	if err := h.Commit(); err != nil {
		b.Fatal(err)
	}
}
