package npm_test

import (
	"context"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/plugins/npm"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// packument2000 renders the full packument of a package with 2,000
// versions (what an upstream registry sends a remote repository).
func packument2000(b testing.TB) (doc []byte, base string) {
	h := newHost()
	for i, v := range versionsN(b, 2000) {
		h.Versions["hello-keeper\x00"+v[0]] = sdk.VersionInfo{Package: "hello-keeper", Version: v[0], Metadata: []byte(v[1]), CreatedMs: int64(i) * 1000}
	}
	h.KV[`dist-tags`+"\x00hello-keeper"] = []byte(`{"latest":"1.19.9"}`)
	r, err := sdk.CallHandle(npm.Plugin{}, h, &sdk.Request{Method: "GET", Path: "/hello-keeper", BaseURL: "http://upstream.test", Repo: h.RepoCtx})
	if err != nil || r.Status != 200 {
		b.Fatal(err, r.Status)
	}
	return r.Bytes, h.RepoCtx.BaseURL
}

// BenchmarkRemoteRewrite2000 rewrites a 2,000-version packument's tarball
// URLs from the upstream's to the remote repository's, natively and in
// wasm (issue 10's figure: within 2× native CPU).
func BenchmarkRemoteRewrite2000(b *testing.B) {
	doc, up := packument2000(b)
	local := "http://keeper.test/npm/proxy"
	if out, err := (npm.Plugin{}).Rewrite(nil, "/hello-keeper", doc, up, local); err != nil || strings.Count(string(out), local+"/hello-keeper/-/") != 2000 {
		b.Fatalf("the rewrite does not point 2,000 tarballs at %s: %v", local, err)
	}
	b.Run("native", func(b *testing.B) {
		defer wasmtest.MeasureCPU(b)()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			if _, err := (npm.Plugin{}).Rewrite(nil, "/hello-keeper", doc, up, local); err != nil {
				b.Fatal(err)
			}
		}
	})
	rt := loadWasm(b)
	defer rt.Close(context.Background())
	b.Run("wasm", func(b *testing.B) {
		defer wasmtest.MeasureCPU(b)()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			if _, err := rt.Rewrite(context.Background(), "npm", wasm.CallContext{}, "/hello-keeper", doc, up, local); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVirtualMerge2000 merges the 2,000-version packuments of two
// members (a virtual repository's packument), natively and in wasm.
func BenchmarkVirtualMerge2000(b *testing.B) {
	doc, _ := packument2000(b)
	other := []byte(strings.ReplaceAll(string(doc), `"1.`, `"2.`))
	docs := [][]byte{doc, other}
	b.Run("native", func(b *testing.B) {
		defer wasmtest.MeasureCPU(b)()
		for b.Loop() {
			if _, err := (npm.Plugin{}).Merge(nil, "/hello-keeper", docs); err != nil {
				b.Fatal(err)
			}
		}
	})
	rt := loadWasm(b)
	defer rt.Close(context.Background())
	b.Run("wasm", func(b *testing.B) {
		defer wasmtest.MeasureCPU(b)()
		for b.Loop() {
			if _, err := rt.Merge(context.Background(), "npm", wasm.CallContext{}, "/hello-keeper", docs); err != nil {
				b.Fatal(err)
			}
		}
	})
}
