package oci_test

import (
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkManifestGet resolves a tag and answers a manifest GET natively
// and through the wasm runtime (the difference is the per-call overhead).
func BenchmarkManifestGet(b *testing.B) {
	h := porttest.NewMemHost()
	h.AddFile("app/manifests/sha256:abc", []byte(`{"schemaVersion":2}`))
	h.KV["tags\x00app:latest"] = []byte("sha256:abc")
	req := ports.FormatRequest{Method: "GET", Path: "/app/manifests/latest", Repo: repoCtx, User: "alice",
		Headers: []ports.Header{{Name: "Accept", Value: "application/vnd.oci.image.manifest.v1+json"}}}
	b.Run("native", func(b *testing.B) {
		defer wasmtest.MeasureCPU(b)()
		for i := 0; i < b.N; i++ {
			if r := nativeHandle(b, h, req); r.ServePath == "" {
				b.Fatal("no serve path")
			}
		}
	})
	b.Run("wasm", func(b *testing.B) {
		rt := loadWasm(b)
		b.ResetTimer()
		defer wasmtest.MeasureCPU(b)()
		for i := 0; i < b.N; i++ {
			if r, err := rt.Handle(ctx, "oci", req, h); err != nil || r.ServePath == "" {
				b.Fatal(err, r)
			}
		}
	})
}
