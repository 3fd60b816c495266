package wasm_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkCompile measures compiling the generic plugin with an empty cache
// (cold) and from the on-disk cache.
func BenchmarkCompile(b *testing.B) {
	bin := genericWasm(b)
	ctx := context.Background()
	b.Run("cold", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			rt, _ := wasm.New(wasm.Config{CacheDir: filepath.Join(b.TempDir(), strconv.Itoa(i))})
			if err := rt.Compile(ctx, bin); err != nil {
				b.Fatal(err)
			}
			rt.Close(ctx)
		}
	})
	b.Run("cached", func(b *testing.B) {
		dir := b.TempDir()
		rt, _ := wasm.New(wasm.Config{CacheDir: dir})
		rt.Compile(ctx, bin)
		rt.Close(ctx)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			rt, _ := wasm.New(wasm.Config{CacheDir: dir})
			if err := rt.Compile(ctx, bin); err != nil {
				b.Fatal(err)
			}
			rt.Close(ctx)
		}
	})
}

// BenchmarkReload measures Load of an already-cached module under a loaded id
// (compile from cache, instantiate, describe, swap).
func BenchmarkReload(b *testing.B) {
	bin := genericWasm(b)
	ctx := context.Background()
	rt := newRuntime(b)
	if _, err := rt.Load(ctx, "generic", bin, ports.PluginLimits{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := rt.Load(ctx, "generic", bin, ports.PluginLimits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandleWasm measures one GET through handle (thread CPU per call:
// the fixed cost of a plugin call), reporting the linear memory of an idle
// instance.
func BenchmarkHandleWasm(b *testing.B) {
	ctx := context.Background()
	rt := newRuntime(b)
	if _, err := rt.Load(ctx, "generic", genericWasm(b), ports.PluginLimits{PoolSize: 1}); err != nil {
		b.Fatal(err)
	}
	h := porttest.NewMemHost()
	h.AddFile("dir/f.txt", []byte("x"))
	req := ports.FormatRequest{Method: "GET", Path: "/dir/f.txt", Repo: repo(map[string]string{"a": "b"}),
		Headers: []ports.Header{{Name: "Accept", Value: "*/*"}, {Name: "User-Agent", Value: "bench"}}}
	b.ResetTimer()
	report := wasmtest.MeasureCPU(b)
	for i := 0; i < b.N; i++ {
		resp, err := rt.Handle(ctx, "generic", req, h)
		if err != nil || resp.ServePath == "" {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	report()
	if mem := rt.IdleMemory("generic"); len(mem) > 0 {
		b.ReportMetric(float64(mem[0])/(1<<20), "MiB/idle-instance")
	}
}
