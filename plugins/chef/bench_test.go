package chef_test

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/chef"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkUniverse renders the universe of 20 cookbooks of 10 versions,
// natively and through the wasm runtime (report the wasm/native ratio).
func BenchmarkUniverse(b *testing.B) {
	repo := &ports.RepoContext{Key: "cookbooks", Format: "chef", BaseURL: base}
	h := porttest.NewMemHost()
	for c := 0; c < 20; c++ {
		for v := 0; v < 10; v++ {
			name := fmt.Sprintf("cookbook%02d", c)
			body, ct := multipartBody("Other", name+".tgz", cookbookTarball(name, fmt.Sprintf("1.%d.0", v), map[string]string{"base": ">= 1.0"}))
			req := ports.FormatRequest{Method: "POST", Path: "/api/v1/cookbooks", Repo: repo, User: "u",
				Body:    &ports.Body{Digest: h.AddBlob(body), Size: int64(len(body))},
				Headers: []ports.Header{{Name: "Content-Type", Value: ct}}}
			if r, err := plugintest.NativeHandle(chef.Plugin{}, h, req); err != nil || r.Status != 201 {
				b.Fatal(err, r.Status, string(r.Body))
			}
			if err := h.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	}
	rt := plugintest.LoadWasm(b, "chef", ".", wasmLimits)
	req := ports.FormatRequest{Method: "GET", Path: "/universe", Repo: repo}
	bench := &plugintest.Bench{Plugin: chef.Plugin{}, ID: "chef", RT: rt, Host: h}
	bench.Run(b, "native", "native", req, 200, nil)
	bench.Run(b, "wasm", "wasm", req, 200, nil)
}
