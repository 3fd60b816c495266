package incus_test

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/incus"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkImages renders images.json of 20 products of 10 serials,
// natively and through the wasm runtime (report the wasm/native ratio).
func BenchmarkImages(b *testing.B) {
	repo := &ports.RepoContext{Key: "images", Format: "incus", BaseURL: base}
	h := porttest.NewMemHost()
	for p := 0; p < 20; p++ {
		for v := 0; v < 10; v++ {
			body, ct := multipartBody(metaTarball(fmt.Sprintf("distro%02d", p), "1.0", "x86_64", fmt.Sprintf("202512%02d_0000", v+1)),
				squashfs(fmt.Sprint(p, v)))
			req := ports.FormatRequest{Method: "POST", Path: "/images", Repo: repo, User: "u",
				Body:    &ports.Body{Digest: h.AddBlob(body), Size: int64(len(body))},
				Headers: []ports.Header{{Name: "Content-Type", Value: ct}}}
			if r, err := plugintest.NativeHandle(incus.Plugin{}, h, req); err != nil || r.Status != 201 {
				b.Fatal(err, r.Status, string(r.Body))
			}
			if err := h.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	}
	rt := plugintest.LoadWasm(b, "incus", ".", wasmLimits)
	req := ports.FormatRequest{Method: "GET", Path: "/streams/v1/images.json", Repo: repo}
	bench := &plugintest.Bench{Plugin: incus.Plugin{}, ID: "incus", RT: rt, Host: h}
	bench.Run(b, "native", "native", req, 200, nil)
	bench.Run(b, "wasm", "wasm", req, 200, nil)
}
