package swift_test

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/plugins/swift"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkReleases renders the releases list of a package with 200
// published releases, natively and through the wasm runtime (report the
// wasm/native ratio).
func BenchmarkReleases(b *testing.B) {
	repo := &ports.RepoContext{Key: "spm", Format: "swift", BaseURL: base}
	h := porttest.NewMemHost()
	for i := 0; i < 200; i++ {
		v := fmt.Sprintf("1.%d.%d", i/10, i%10)
		body, ct := publishBody(sourceArchive("LinkedList", v), metadataJSON, nil)
		req := ports.FormatRequest{Method: "PUT", Path: "/mona/LinkedList/" + v, Repo: repo, User: "u",
			Body:    &ports.Body{Digest: h.AddBlob(body), Size: int64(len(body))},
			Headers: []ports.Header{{Name: "Content-Type", Value: ct}}}
		if r, err := plugintest.NativeHandle(swift.Plugin{}, h, req); err != nil || r.Status != 201 {
			b.Fatal(err, r.Status, string(r.Body))
		}
		if err := h.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	rt := plugintest.LoadWasm(b, "swift", ".", wasmLimits)
	req := ports.FormatRequest{Method: "GET", Path: "/mona/LinkedList", Repo: repo,
		Headers: []ports.Header{{Name: "Accept", Value: acceptJSON}}}
	bench := &plugintest.Bench{Plugin: swift.Plugin{}, ID: "swift", RT: rt, Host: h}
	bench.Run(b, "native", "native", req, 200, nil)
	bench.Run(b, "wasm", "wasm", req, 200, nil)
}
