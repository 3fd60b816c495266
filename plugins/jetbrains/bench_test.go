package jetbrains_test

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/jetbrains"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkUpdatePlugins renders updatePlugins.xml for a build over 20
// plugins of 10 versions, natively and through the wasm runtime (report
// the wasm/native ratio).
func BenchmarkUpdatePlugins(b *testing.B) {
	repo := &ports.RepoContext{Key: "ide", Format: "jetbrains", BaseURL: base}
	h := porttest.NewMemHost()
	for p := 0; p < 20; p++ {
		for v := 0; v < 10; v++ {
			body, ct := multipartBody("p.jar", pluginJar(fmt.Sprintf("com.example.p%02d", p), fmt.Sprintf("1.%d.0", v), fmt.Sprintf("%d", 230+v), ""))
			req := ports.FormatRequest{Method: "POST", Path: "/plugin/uploadPlugin", Repo: repo, User: "u",
				Body:    &ports.Body{Digest: h.AddBlob(body), Size: int64(len(body))},
				Headers: []ports.Header{{Name: "Content-Type", Value: ct}}}
			if r, err := plugintest.NativeHandle(jetbrains.Plugin{}, h, req); err != nil || r.Status != 200 {
				b.Fatal(err, r.Status, string(r.Body))
			}
			if err := h.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	}
	rt := plugintest.LoadWasm(b, "jetbrains", ".", wasmLimits)
	req := ports.FormatRequest{Method: "GET", Path: "/updatePlugins.xml", RawQuery: "build=IC-235.1", Repo: repo}
	bench := &plugintest.Bench{Plugin: jetbrains.Plugin{}, ID: "jetbrains", RT: rt, Host: h}
	bench.Run(b, "native", "native", req, 200, nil)
	bench.Run(b, "wasm", "wasm", req, 200, nil)
}
