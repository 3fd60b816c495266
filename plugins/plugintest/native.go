package plugintest

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Request converts a host-side request into the SDK's, as the runtime lifts it.
func Request(req ports.FormatRequest) *sdk.Request {
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
	return sreq
}

// Response converts an SDK response into the host's, as the runtime lowers it.
func Response(resp *sdk.Response) ports.FormatResponse {
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

// NativeHandle runs p natively against h through a Bridge, converting the
// request and response the way adapters/wasm does; the error is the
// plugin's (see sdk.AsError).
func NativeHandle(p sdk.Plugin, h ports.HostCall, req ports.FormatRequest) (ports.FormatResponse, error) {
	sreq := Request(req)
	resp, err := sdk.CallHandle(p, NewBridge(h, sreq.Repo), sreq)
	if err != nil {
		return ports.FormatResponse{}, err
	}
	return Response(resp), nil
}

var (
	buildMu sync.Mutex
	built   = map[string][]byte{}
)

// BuildWasm compiles the plugin's ./wasm main package of moduleDir once per
// test binary (later calls reuse the module).
func BuildWasm(t testing.TB, moduleDir string) []byte {
	t.Helper()
	abs, err := filepath.Abs(moduleDir)
	if err != nil {
		t.Fatal(err)
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	if b, ok := built[abs]; ok {
		return b
	}
	b := wasmtest.Build(t, moduleDir, "./wasm")
	built[abs] = b
	return b
}

// LoadWasm builds the plugin of moduleDir and loads it as id into a fresh
// runtime, closed when the test ends.
func LoadWasm(t testing.TB, id, moduleDir string, limits ports.PluginLimits) *wasm.Runtime {
	t.Helper()
	ctx := context.Background()
	rt, err := wasm.New(wasm.Config{CacheDir: wasmtest.CacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(ctx) })
	if _, err := rt.Load(ctx, id, BuildWasm(t, moduleDir), limits); err != nil {
		t.Fatal(err)
	}
	return rt
}
