package npm_test

import (
	"bytes"
	"context"
	"fmt"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/npm"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// versionsN publishes hello-keeper 1.0.0 for real and derives n version
// documents from its stored metadata.
func versionsN(b testing.TB, n int) [][2]string {
	h := newHost()
	want(b, do(b, h, "bob", "PUT", "/hello-keeper", fixture(b, "publish-hello.json")), 201)
	meta := h.Versions["hello-keeper\x001.0.0"].Metadata
	var out [][2]string
	for i := 0; i < n; i++ {
		v := fmt.Sprintf("1.%d.%d", i/10, i%10)
		m := bytes.ReplaceAll(meta, []byte("1.0.0"), []byte(v))
		out = append(out, [2]string{v, string(m)})
	}
	return out
}

// BenchmarkPackument200 renders the packument of a package with 200
// versions, natively and through the wasm module (no host cache).
func BenchmarkPackument200(b *testing.B) { benchPackument(b, 200) }

// BenchmarkPackument2000 is the same with 2,000 versions.
func BenchmarkPackument2000(b *testing.B) { benchPackument(b, 2000) }

func benchPackument(b *testing.B, n int) {
	vs := versionsN(b, n)
	native := newHost()
	mem := newMemRepo()
	for i, v := range vs {
		native.Versions["hello-keeper\x00"+v[0]] = sdk.VersionInfo{Package: "hello-keeper", Version: v[0], Metadata: []byte(v[1]), CreatedMs: int64(i) * 1000}
		mem.AddVersion(ports.Version{Package: "hello-keeper", Version: v[0], Metadata: []byte(v[1]), CreatedAt: time.UnixMilli(int64(i) * 1000)})
	}
	native.KV[`dist-tags`+"\x00hello-keeper"] = []byte(`{"latest":"1.19.9"}`)
	mem.KV[`dist-tags`+"\x00hello-keeper"] = []byte(`{"latest":"1.19.9"}`)
	for _, mode := range []struct {
		name string
		hdr  []sdk.Header
	}{{"full", nil}, {"abbreviated", []sdk.Header{{Name: "Accept", Value: "application/vnd.npm.install-v1+json"}}}} {
		req := &sdk.Request{Method: "GET", Path: "/hello-keeper", Headers: mode.hdr, Repo: native.RepoCtx}
		b.Run("native/"+mode.name, func(b *testing.B) {
			defer wasmtest.MeasureCPU(b)()
			b.ReportAllocs()
			for b.Loop() {
				r, err := sdk.CallHandle(npm.Plugin{}, native, req)
				if err != nil || r.Status != 200 {
					b.Fatal(err, r.Status)
				}
				b.SetBytes(int64(len(r.Bytes)))
			}
		})
	}
	ctx := context.Background()
	rt := loadWasm(b)
	defer rt.Close(ctx)
	for _, mode := range []struct {
		name string
		hdr  []ports.Header
	}{{"full", nil}, {"abbreviated", []ports.Header{{Name: "Accept", Value: "application/vnd.npm.install-v1+json"}}}} {
		req := ports.FormatRequest{Method: "GET", Path: "/hello-keeper", Headers: mode.hdr, Repo: repoCtx}
		b.Run("wasm/"+mode.name, func(b *testing.B) {
			defer wasmtest.MeasureCPU(b)()
			for b.Loop() {
				r, err := rt.Handle(ctx, "npm", req, mem)
				if err != nil || r.Status != 200 {
					b.Fatal(err, r.Status)
				}
				b.SetBytes(int64(len(r.Body)))
			}
		})
	}
}
