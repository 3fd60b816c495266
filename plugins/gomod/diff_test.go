package gomod_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var diffRepo = &ports.RepoContext{Key: "gomods", Type: "local", Format: "go", BaseURL: "http://h/go/gomods"}

// loadWasm builds the plugin and loads it into a fresh wasm runtime.
func loadWasm(t testing.TB) (*wasm.Runtime, func()) {
	ctx := context.Background()
	rt, err := wasm.New(wasm.Config{CacheDir: filepath.Join(t.TempDir(), "cache")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Load(ctx, "gomod", wasmtest.Build(t, ".", "./wasm"), ports.PluginLimits{}); err != nil {
		t.Fatal(err)
	}
	return rt, func() { rt.Close(ctx) }
}

// TestNativeMatchesWasm runs the same requests through the native plugin and
// the built .wasm on adapters/wasm (real host-side zip reading), each against
// its own in-memory host, and requires identical responses and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	ctx := context.Background()
	rt, done := loadWasm(t)
	defer done()
	native, viaWasm := wasmtest.NewMemHost(), wasmtest.NewMemHost()
	body := func(b []byte) *ports.Body {
		d := native.AddBlob(b)
		viaWasm.AddBlob(b)
		return &ports.Body{Digest: d, Size: int64(len(b))}
	}
	const at = "time=2025-01-02T03:04:05Z" // the wasm clock is real: fix the upload time
	const m = "example.com/m"
	reqs := []ports.FormatRequest{
		{Method: "PUT", Path: "/example.com/!lib/hello/@v/v1.0.0.zip", RawQuery: at, Body: body(fixture(t, "hello-v1.0.0.zip"))},
		{Method: "PUT", Path: "/example.com/!lib/hello/@v/v1.0.0.zip", RawQuery: at, Body: body(fixture(t, "hello-v1.0.0.zip"))},
		{Method: "PUT", Path: "/example.com/!lib/hello/v2/@v/v2.0.0.zip", RawQuery: at, Body: body(fixture(t, "hello-v2.0.0.zip"))},
		{Method: "PUT", Path: "/example.com/legacy/@v/v2.0.0+incompatible.zip", RawQuery: at, Body: body(fixture(t, "legacy-v2.0.0+incompatible.zip"))},
		{Method: "PUT", Path: "/example.com/m/@v/v0.0.0-20240102030405-abcdefabcdef.zip", Body: body(makeZip(
			file{Name: m + "@v0.0.0-20240102030405-abcdefabcdef/go.mod", Body: "module example.com/m\n"}))},
		{Method: "PUT", Path: "/example.com/m/@v/v1.0.0.zip", RawQuery: at, Body: body([]byte("not a zip"))},
		{Method: "PUT", Path: "/example.com/m/@v/v1.0.0.zip", RawQuery: at, Body: body(makeZip(file{Name: "x/go.mod"}))},
		{Method: "PUT", Path: "/example.com/m/@v/v1.0.0.zip", RawQuery: at, Body: body(makeZip(file{Name: m + "@v1.0.0/go.mod", Body: "module other.org/x\n"}))},
		{Method: "PUT", Path: "/example.com/m/@v/v2.0.0.zip", RawQuery: at, Body: body(makeZip(file{Name: m + "@v2.0.0/a.go"}))},
		{Method: "PUT", Path: "/example.com/m/@v/v1.0.0.mod", Body: body([]byte("module example.com/m\n"))},
		{Method: "GET", Path: "/example.com/!lib/hello/@v/list"},
		{Method: "GET", Path: "/example.com/!lib/hello/@latest"},
		{Method: "HEAD", Path: "/example.com/!lib/hello/@v/v1.0.0.info"},
		{Method: "GET", Path: "/example.com/!lib/hello/@v/v1.0.0.mod"},
		{Method: "GET", Path: "/example.com/!lib/hello/@v/v1.0.0.zip"},
		{Method: "GET", Path: "/example.com/!lib/hello/v2/@v/list"},
		{Method: "GET", Path: "/example.com/legacy/@v/v2.0.0+incompatible.info"},
		{Method: "GET", Path: "/example.com/m/@v/list"},
		{Method: "GET", Path: "/example.com/m/@latest"},
		{Method: "GET", Path: "/example.com/!lib/hello/@v/v9.9.9.info"},
		{Method: "GET", Path: "/example.com/missing/@v/list"},
		{Method: "GET", Path: "/sumdb/sum.golang.org/supported"},
		{Method: "GET", Path: "/bad"},
		{Method: "DELETE", Path: "/example.com/!lib/hello/v2/@v/v2.0.0.zip"},
		{Method: "GET", Path: "/example.com/!lib/hello/v2/@v/list"},
		{Method: "OPTIONS", Path: "/example.com/m/@v/list"},
	}
	for i, req := range reqs {
		req.Repo = diffRepo
		want := nativeHandle(t, native, req)
		got, err := rt.Handle(ctx, "gomod", req, viaWasm)
		if err != nil {
			t.Fatalf("#%d %s %s: wasm: %v", i, req.Method, req.Path, err)
		}
		if !reflect.DeepEqual(norm(got), norm(want)) {
			t.Fatalf("#%d %s %s: responses differ\nnative %+v\n%s\nwasm   %+v\n%s", i, req.Method, req.Path, want, want.Body, got, got.Body)
		}
		if !reflect.DeepEqual(native.StagedFiles, viaWasm.StagedFiles) || !reflect.DeepEqual(native.StagedDeletes, viaWasm.StagedDeletes) {
			t.Fatalf("#%d: staged writes differ\nnative %+v %v\nwasm   %+v %v", i, native.StagedFiles, native.StagedDeletes, viaWasm.StagedFiles, viaWasm.StagedDeletes)
		}
		native.Commit()
		viaWasm.Commit()
	}
	if !reflect.DeepEqual(native.Files, viaWasm.Files) || len(native.Files) != 9 {
		t.Fatalf("final files differ (%d): %v vs %v", len(native.Files), native.Files, viaWasm.Files)
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

// nativeHandle runs the plugin natively against a ports.HostCall, converting
// types the way adapters/wasm does.
func nativeHandle(t testing.TB, h ports.HostCall, req ports.FormatRequest) ports.FormatResponse {
	sreq := &sdk.Request{Method: req.Method, Path: req.Path, RawQuery: req.RawQuery, User: req.User, BaseURL: req.BaseURL}
	for _, hd := range req.Headers {
		sreq.Headers = append(sreq.Headers, sdk.Header{Name: hd.Name, Value: hd.Value})
	}
	if b := req.Body; b != nil {
		sreq.Body = &sdk.Body{Digest: b.Digest, Size: uint64(b.Size), SHA1: b.SHA1, MD5: b.MD5, SHA512: b.SHA512}
	}
	if r := req.Repo; r != nil {
		sreq.Repo = &sdk.RepoContext{Key: r.Key, Kind: r.Type, Format: r.Format, IsPublic: r.IsPublic, BaseURL: r.BaseURL,
			UpstreamURL: r.UpstreamURL, Generation: r.Generation}
		for k, v := range r.Config {
			sreq.Repo.Config = append(sreq.Repo.Config, sdk.KeyValue{Key: k, Value: v})
		}
	}
	resp, err := sdk.CallHandle(plugin, bridge{h, sreq.Repo}, sreq)
	if err != nil {
		t.Fatalf("native: %v", err)
	}
	out := ports.FormatResponse{Status: resp.Status, CacheTTL: time.Duration(resp.CacheTTLMs) * time.Millisecond}
	for _, hd := range resp.Headers {
		out.Headers = append(out.Headers, ports.Header{Name: hd.Name, Value: hd.Value})
	}
	switch resp.Kind {
	case sdk.BodyBytes:
		out.Body = resp.Bytes
	case sdk.BodyServePath:
		out.ServePath = resp.Target
	case sdk.BodyServeBlob:
		out.ServeBlob = resp.Target
	}
	return out
}
