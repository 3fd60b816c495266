package cargo_test

import (
	"context"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/ports"
)

var (
	wasmOnce sync.Once
	wasmBin  []byte
)

// loadWasm builds the plugin once per test binary and loads it into a runtime.
func loadWasm(t testing.TB) *wasm.Runtime {
	t.Helper()
	wasmOnce.Do(func() { wasmBin = wasmtest.Build(t, ".", "./wasm") })
	ctx := context.Background()
	rt, err := wasm.New(wasm.Config{CacheDir: filepath.Join(t.TempDir(), "cache")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(ctx) })
	if _, err := rt.Load(ctx, "cargo", wasmBin, ports.PluginLimits{}); err != nil {
		t.Fatal(err)
	}
	return rt
}

// TestNativeMatchesWasm runs the same requests (the real cargo publish
// bodies of testdata, yank, search, index reads, refusals) through the native
// plugin and the built .wasm, each on its own in-memory host, and requires
// identical responses and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	ctx := context.Background()
	rt := loadWasm(t)
	native, viaWasm := newMemHost(), newMemHost()
	repo := &ports.RepoContext{Key: "crates", Type: "local", Format: "cargo", BaseURL: "http://h/cargo/crates"}
	body := func(b []byte) *ports.Body {
		d := native.AddBlob(b)
		viaWasm.AddBlob(b)
		return &ports.Body{Digest: d, Size: int64(len(b))}
	}
	put := func(b []byte) ports.FormatRequest {
		return ports.FormatRequest{Method: "PUT", Path: "/api/v1/crates/new", User: "alice", Body: body(b)}
	}
	get := func(p, q string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: p, RawQuery: q} }
	reqs := []ports.FormatRequest{
		get("/config.json", ""),
		get("/de/mo/demo-lib", ""),
		put(fixture(t, "demo-lib-0.1.0.bin")),
		put(fixture(t, "demo-lib-0.2.0.bin")),
		put(fixture(t, "demo_util-1.0.0-beta.1.bin")),
		put(fixture(t, "demo-lib-0.2.0.bin")), // republish: 409
		put(publishBody(meta("bad", "1.0.0", nil), targz(t, entry{name: "other/Cargo.toml", data: []byte("x")}))),
		put(publishBody([]byte("{"), []byte("x"))),
		put([]byte{9, 0, 0, 0}),
		put(publishBody(meta("Demo-Lib", "3.0.0", nil), crate(t, "Demo-Lib", "3.0.0"))),
		get("/de/mo/demo-lib", ""),
		get("/de/mo/demo_util", ""),
		get("/De/mo/demo-lib", ""),
		get("/api/v1/crates", "q=demo&per_page=1"),
		get("/api/v1/crates", "q=demo"),
		get("/api/v1/crates/demo-lib/owners", ""),
		{Method: "DELETE", Path: "/api/v1/crates/demo-lib/0.2.0/yank"},
		get("/de/mo/demo-lib", ""),
		get("/api/v1/crates", "q=demo-lib"),
		{Method: "PUT", Path: "/api/v1/crates/demo-lib/0.2.0/unyank"},
		{Method: "PUT", Path: "/api/v1/crates/demo-lib/9.0.0/unyank"},
		get("/api/v1/crates/DEMO-LIB/0.1.0/download", ""),
		get("/api/v1/crates/demo-lib/7.0.0/download", ""),
		{Method: "POST", Path: "/de/mo/demo-lib"},
		get("/api/v1/nothing", ""),
	}
	for i, req := range reqs {
		req.Repo = repo
		want := nativeHandle(t, native, req)
		got, err := rt.Handle(ctx, "cargo", req, viaWasm)
		if err != nil && got.Status < 400 {
			t.Fatalf("#%d %s %s: wasm: %v", i, req.Method, req.Path, err)
		}
		if !reflect.DeepEqual(norm(got), norm(want)) {
			t.Fatalf("#%d %s %s: responses differ\nnative %d %s %+v\nwasm   %d %s %+v", i, req.Method, req.Path,
				want.Status, want.Body, want, got.Status, got.Body, got)
		}
		if !reflect.DeepEqual(native.StagedFiles, viaWasm.StagedFiles) || !reflect.DeepEqual(native.StagedVersions, viaWasm.StagedVersions) ||
			!reflect.DeepEqual(native.StagedKV, viaWasm.StagedKV) {
			t.Fatalf("#%d: staged writes differ\nnative %+v %+v\nwasm   %+v %+v", i, native.StagedFiles, native.StagedVersions, viaWasm.StagedFiles, viaWasm.StagedVersions)
		}
		if want.Status < 400 {
			native.Commit()
			viaWasm.Commit()
		} else {
			native.Discard()
			viaWasm.Discard()
		}
	}
	if len(native.Files) != 3 || !reflect.DeepEqual(native.Files, viaWasm.Files) {
		t.Fatalf("final files differ or wrong count: %d vs %d", len(native.Files), len(viaWasm.Files))
	}
}

func norm(r ports.FormatResponse) ports.FormatResponse {
	if len(r.Body) == 0 {
		r.Body = nil
	}
	if len(r.Headers) == 0 {
		r.Headers = nil
	}
	return r
}
