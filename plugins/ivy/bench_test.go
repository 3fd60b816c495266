package ivy_test

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/ivy"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkRevisionListing renders the revision listing Ivy reads for a
// dynamic revision, over a module of 200 revisions, natively and through
// the wasm runtime (report the wasm/native ratio).
func BenchmarkRevisionListing(b *testing.B) {
	repo := &ports.RepoContext{Key: "libs", Format: "ivy", BaseURL: base}
	h := porttest.NewMemHost()
	for v := 0; v < 200; v++ {
		rev := fmt.Sprintf("1.%d.0", v)
		body := ivyXML("org.example", "demo", rev)
		req := ports.FormatRequest{Method: "PUT", Path: "/org.example/demo/" + rev + "/ivys/ivy.xml", Repo: repo, User: "u",
			Body: &ports.Body{Digest: h.AddBlob(body), Size: int64(len(body))}}
		if r, err := plugintest.NativeHandle(ivy.Plugin{}, h, req); err != nil || r.Status != 201 {
			b.Fatal(err, r.Status, string(r.Body))
		}
		if err := h.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	rt := plugintest.LoadWasm(b, "ivy", ".", wasmLimits)
	for _, p := range []string{"/org.example/demo/", "/org/example/demo/maven-metadata.xml"} {
		req := ports.FormatRequest{Method: "GET", Path: p, Repo: repo}
		bench := &plugintest.Bench{Plugin: ivy.Plugin{}, ID: "ivy", RT: rt, Host: h}
		bench.Run(b, "native"+p, "native", req, 200, nil)
		bench.Run(b, "wasm"+p, "wasm", req, 200, nil)
	}
}
