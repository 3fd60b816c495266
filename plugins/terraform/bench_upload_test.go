package terraform

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

// BenchmarkUpload is the plugin's part of a provider package upload (a
// fifth platform of a version of 4, in a provider of 200 versions),
// natively and through the wasm runtime, its writes discarded after each:
// what storing SHA256SUMS at the upload adds shows against a tree without
// it (bench/README.md).
func BenchmarkUpload(b *testing.B) {
	h, repo := hostWith200(b)
	body := providerZipBytes(b, "demo", "1.9.9")
	req := ports.FormatRequest{Method: "PUT", Path: "/-/providers/demo/1.9.9/terraform-provider-demo_1.9.9_freebsd_amd64.zip",
		Repo: repo, User: "u", Body: &ports.Body{Digest: h.AddBlob(body), Size: int64(len(body))}}
	bench := &plugintest.Bench{Plugin: Plugin{}, ID: "terraform", RT: loadWasm(b), Host: h}
	for _, mode := range plugintest.Modes {
		bench.Run(b, "platform/"+mode, mode, req, 201, h.Discard)
	}
}
