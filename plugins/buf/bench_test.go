package buf_test

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/buf"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkDownload answers buf export's Download (binary Protobuf) of a
// module of 50 files, natively and through the wasm runtime (report the
// wasm/native ratio).
func BenchmarkDownload(b *testing.B) {
	repo := &ports.RepoContext{Key: "protos", Format: "buf", BaseURL: base}
	h := porttest.NewMemHost()
	do := func(proc, ct string, body []byte) {
		req := ports.FormatRequest{Method: "POST", Path: "/buf.registry.module.v1." + proc, Repo: repo, User: "u",
			Body:    &ports.Body{Digest: h.AddBlob(body), Size: int64(len(body))},
			Headers: []ports.Header{{Name: "Content-Type", Value: ct}}}
		if r, err := plugintest.NativeHandle(buf.Plugin{}, h, req); err != nil || r.Status != 200 {
			b.Fatal(err, r.Status, string(r.Body))
		}
		if err := h.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	do("ModuleService/CreateModules", "application/json", []byte(`{"values":[{"ownerRef":{"name":"acme"},"name":"petapis"}]}`))
	var files []byte
	for i := 0; i < 50; i++ {
		files = append(files, lenField(2, cat(lenField(1, []byte(fmt.Sprintf("acme/pet/v1/f%02d.proto", i))), lenField(2, []byte(petProto))))...)
	}
	do("UploadService/Upload", "application/proto", lenField(1, cat(lenField(1, nameRefBin("acme", "petapis", "")), files)))
	rt := plugintest.LoadWasm(b, "buf", ".", wasmLimits)
	body := downloadBin("acme", "petapis", "main")
	req := ports.FormatRequest{Method: "POST", Path: "/buf.registry.module.v1.DownloadService/Download", Repo: repo, User: "u",
		Body:    &ports.Body{Digest: h.AddBlob(body), Size: int64(len(body))},
		Headers: []ports.Header{{Name: "Content-Type", Value: "application/proto"}}}
	bench := &plugintest.Bench{Plugin: buf.Plugin{}, ID: "buf", RT: rt, Host: h}
	bench.Run(b, "native", "native", req, 200, nil)
	bench.Run(b, "wasm", "wasm", req, 200, nil)
}
