package pub_test

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/plugins/pub"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkListing renders api/packages/hello with 200 published versions,
// natively and through the wasm runtime (report the wasm/native ratio).
func BenchmarkListing(b *testing.B) {
	repo := &ports.RepoContext{Key: "dart", Format: "pub", BaseURL: base}
	h := porttest.NewMemHost()
	for i := 0; i < 200; i++ {
		body, ct := multipartBody(packageArchive("hello", fmt.Sprintf("1.%d.%d", i/10, i%10)))
		req := ports.FormatRequest{Method: "POST", Path: "/api/packages/versions/newUpload", Repo: repo, User: "u",
			Body:    &ports.Body{Digest: h.AddBlob(body), Size: int64(len(body))},
			Headers: []ports.Header{{Name: "Content-Type", Value: ct}}}
		if r, err := plugintest.NativeHandle(pub.Plugin{}, h, req); err != nil || r.Status != 204 {
			b.Fatal(err, r.Status, string(r.Body))
		}
		if err := h.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	rt := plugintest.LoadWasm(b, "pub", ".", wasmLimits)
	req := ports.FormatRequest{Method: "GET", Path: "/api/packages/hello", Repo: repo}
	bench := &plugintest.Bench{Plugin: pub.Plugin{}, ID: "pub", RT: rt, Host: h}
	bench.Run(b, "native", "native", req, 200, nil)
	bench.Run(b, "wasm", "wasm", req, 200, nil)
}
