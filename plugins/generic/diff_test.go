package generic_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/plugins/generic"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// TestNativeMatchesWasm runs the same request sequence through the native
// plugin and through the built .wasm on adapters/wasm, each against its own
// in-memory host, and requires identical responses and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	ctx := context.Background()
	bin := wasmtest.Build(t, ".", "./wasm")
	rt, err := wasm.New(wasm.Config{CacheDir: filepath.Join(t.TempDir(), "cache")})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	if _, err := rt.Load(ctx, "generic", bin, ports.PluginLimits{}); err != nil {
		t.Fatal(err)
	}
	native, viaWasm := wasmtest.NewMemHost(), wasmtest.NewMemHost()
	repoCtx := &ports.RepoContext{Key: "libs", Type: "local", Format: "generic", BaseURL: "http://h/generic/libs",
		Config: map[string]string{"allow_overwrite": "false"}}
	body := func(s string) *ports.Body {
		d := native.AddBlob([]byte(s))
		viaWasm.AddBlob([]byte(s))
		return &ports.Body{Digest: d, Size: int64(len(s))}
	}
	json := []ports.Header{{Name: "Accept", Value: "application/json"}}
	reqs := []ports.FormatRequest{
		{Method: "PUT", Path: "/a/b.txt", Body: body("one")},
		{Method: "PUT", Path: "/a/b.txt", Body: body("two")},
		{Method: "PUT", Path: "/a/c/d%20e.bin", Body: body("three"), Headers: []ports.Header{{Name: "Content-Type", Value: "x/y"}}},
		{Method: "PUT", Path: "/x/../y", Body: body("bad")},
		{Method: "PUT", Path: "/x%5cy", Body: body("bad")},
		{Method: "PUT", Path: "/nobody"},
		{Method: "GET", Path: "/a/b.txt"},
		{Method: "HEAD", Path: "/a/b.txt"},
		{Method: "GET", Path: "/a/"},
		{Method: "GET", Path: "/a", Headers: json},
		{Method: "GET", Path: "/", RawQuery: "format=json"},
		{Method: "GET", Path: "/"},
		{Method: "GET", Path: "/missing"},
		{Method: "DELETE", Path: "/a/b.txt"},
		{Method: "DELETE", Path: "/a/b.txt"},
		{Method: "GET", Path: "/a/b.txt"},
		{Method: "OPTIONS", Path: "/a"},
	}
	for i, req := range reqs {
		req.Repo = repoCtx
		want := nativeHandle(t, native, req)
		got, err := rt.Handle(ctx, "generic", req, viaWasm)
		if err != nil {
			t.Fatalf("#%d %s %s: wasm: %v", i, req.Method, req.Path, err)
		}
		if !reflect.DeepEqual(norm(got), norm(want)) {
			t.Fatalf("#%d %s %s: responses differ\nnative %+v\nwasm   %+v", i, req.Method, req.Path, want, got)
		}
		if !reflect.DeepEqual(native.StagedFiles, viaWasm.StagedFiles) || !reflect.DeepEqual(native.StagedDeletes, viaWasm.StagedDeletes) {
			t.Fatalf("#%d: staged writes differ\nnative %+v %v\nwasm   %+v %v", i, native.StagedFiles, native.StagedDeletes, viaWasm.StagedFiles, viaWasm.StagedDeletes)
		}
		native.Commit()
		viaWasm.Commit()
	}
	if !reflect.DeepEqual(native.Files, viaWasm.Files) || len(native.Files) != 1 {
		t.Fatalf("final files differ: %v vs %v", native.Files, viaWasm.Files)
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
func nativeHandle(t *testing.T, h ports.HostCall, req ports.FormatRequest) ports.FormatResponse {
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
	resp, err := sdk.CallHandle(generic.Plugin{}, bridge{h, sreq.Repo}, sreq)
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
