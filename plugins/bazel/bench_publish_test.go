package bazel_test

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/bazel"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkPublish is the plugin's part of a publish (a new version of a
// module of 200), natively and through the wasm runtime, its writes
// discarded after each: what storing source.json at the publish adds
// shows against a tree without it (bench/README.md).
func BenchmarkPublish(b *testing.B) {
	repo := &ports.RepoContext{Key: "bzl", Format: "bazel", BaseURL: base}
	h := porttest.NewMemHost()
	put := func(version string) ports.FormatRequest {
		body := moduleArchive("demo", version)
		return ports.FormatRequest{Method: "PUT", Path: "/modules/demo/" + version + "/archive", Repo: repo, User: "u",
			Body: &ports.Body{Digest: h.AddBlob(body), Size: int64(len(body))}}
	}
	for v := 0; v < 200; v++ {
		if r, err := plugintest.NativeHandle(bazel.Plugin{}, h, put(fmt.Sprintf("1.%d.0", v))); err != nil || r.Status != 201 {
			b.Fatal(err, r.Status, string(r.Body))
		}
		if err := h.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	bench := &plugintest.Bench{Plugin: bazel.Plugin{}, ID: "bazel", RT: plugintest.LoadWasm(b, "bazel", ".", wasmLimits), Host: h}
	req := put("2.0.0")
	for _, mode := range plugintest.Modes {
		bench.Run(b, "version/"+mode, mode, req, 201, h.Discard)
	}
}
