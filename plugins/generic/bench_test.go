package generic_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkHandle compares one GET of a stored file natively and through
// the wasm runtime (the difference is the per-call overhead).
func BenchmarkHandle(b *testing.B) {
	h := porttest.NewMemHost()
	h.AddFile("dir/f.txt", []byte("x"))
	req := ports.FormatRequest{Method: "GET", Path: "/dir/f.txt",
		Repo:    &ports.RepoContext{Key: "libs", BaseURL: "http://h/generic/libs"},
		Headers: []ports.Header{{Name: "Accept", Value: "*/*"}}}
	b.Run("native", func(b *testing.B) {
		defer wasmtest.MeasureCPU(b)()
		for i := 0; i < b.N; i++ {
			if r := nativeHandle(&testing.T{}, h, req); r.ServePath == "" {
				b.Fatal("no serve path")
			}
		}
	})
	b.Run("wasm", func(b *testing.B) {
		ctx := context.Background()
		rt, _ := wasm.New(wasm.Config{CacheDir: filepath.Join(b.TempDir(), "c")})
		defer rt.Close(ctx)
		if _, err := rt.Load(ctx, "generic", wasmtest.Build(b, ".", "./wasm"), ports.PluginLimits{}); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		defer wasmtest.MeasureCPU(b)()
		for i := 0; i < b.N; i++ {
			if r, err := rt.Handle(ctx, "generic", req, h); err != nil || r.ServePath == "" {
				b.Fatal(err)
			}
		}
	})
}
