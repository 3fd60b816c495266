package bazel_test

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/bazel"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkRegistry renders metadata.json and source.json of a module of
// 200 versions, natively and through the wasm runtime (report the
// wasm/native ratio).
func BenchmarkRegistry(b *testing.B) {
	repo := &ports.RepoContext{Key: "bzl", Format: "bazel", BaseURL: base}
	h := porttest.NewMemHost()
	for v := 0; v < 200; v++ {
		version := fmt.Sprintf("1.%d.0", v)
		body := moduleArchive("demo", version)
		req := ports.FormatRequest{Method: "PUT", Path: "/modules/demo/" + version + "/archive", Repo: repo, User: "u",
			Body: &ports.Body{Digest: h.AddBlob(body), Size: int64(len(body))}}
		if r, err := plugintest.NativeHandle(bazel.Plugin{}, h, req); err != nil || r.Status != 201 {
			b.Fatal(err, r.Status, string(r.Body))
		}
		if err := h.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	rt := plugintest.LoadWasm(b, "bazel", ".", wasmLimits)
	for _, p := range []string{"/modules/demo/metadata.json", "/modules/demo/1.150.0/source.json"} {
		req := ports.FormatRequest{Method: "GET", Path: p, Repo: repo}
		bench := &plugintest.Bench{Plugin: bazel.Plugin{}, ID: "bazel", RT: rt, Host: h}
		bench.Run(b, "native"+p, "native", req, 200, nil)
		bench.Run(b, "wasm"+p, "wasm", req, 200, nil)
	}
}
