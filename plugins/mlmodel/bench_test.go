package mlmodel

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkCardThenListing measures, in a version of 1, 100 and 1,000
// files, a model card upload (front matter parsed: the same work at every
// size) and the version's file listing after it, natively and through the
// wasm runtime.
func BenchmarkCardThenListing(b *testing.B) {
	repo := &ports.RepoContext{Key: "ml", Format: "mlmodel", BaseURL: "http://h/mlmodel/ml"}
	rt := plugintest.LoadWasm(b, "mlmodel", ".", wasmLimits)
	for _, n := range []int{1, 100, 1000} {
		h := porttest.NewMemHost()
		for i := 0; i < n; i++ {
			h.AddFile(fmt.Sprintf("sentiment/1.0.0/shard-%05d.bin", i), []byte(fmt.Sprint(i)))
		}
		up := ports.FormatRequest{Method: "PUT", Path: "/sentiment/1.0.0/README.md", Repo: repo, Body: h.Body([]byte(hfCard)), User: "u"}
		list := ports.FormatRequest{Method: "GET", Path: "/sentiment/1.0.0/", Repo: repo}
		bench := &plugintest.Bench{Plugin: Plugin{}, ID: "mlmodel", RT: rt, Host: h}
		for _, mode := range plugintest.Modes {
			bench.Run(b, fmt.Sprintf("card/%d/%s", n, mode), mode, up, 201, h.Discard)
			bench.Run(b, fmt.Sprintf("listing/%d/%s", n, mode), mode, list, 200, nil)
		}
	}
}
