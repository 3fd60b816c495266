package generic_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/generic"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

// TestNativeMatchesWasm runs the same request sequence through the native
// plugin and through the built .wasm on adapters/wasm, each against its own
// in-memory host, and requires identical responses and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "generic", generic.Plugin{}, ".", ports.PluginLimits{})
	d.Repo = &ports.RepoContext{Key: "libs", Type: "local", Format: "generic", BaseURL: "http://h/generic/libs",
		Config: map[string]string{"allow_overwrite": "false"}}
	body := func(s string) *ports.Body { return d.Body([]byte(s)) }
	json := []ports.Header{{Name: "Accept", Value: "application/json"}}
	d.Run([]ports.FormatRequest{
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
	})
	if len(d.Native.Files) != 1 {
		t.Fatalf("final files: %v", d.Native.Files)
	}
}

// nativeHandle runs the plugin natively against a ports.HostCall.
func nativeHandle(t testing.TB, h ports.HostCall, req ports.FormatRequest) ports.FormatResponse {
	r, err := plugintest.NativeHandle(generic.Plugin{}, h, req)
	if err != nil {
		t.Fatalf("native: %v", err)
	}
	return r
}
