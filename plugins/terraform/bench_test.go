package terraform

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// hostWith200 holds a provider with 200 versions of 4 platforms each (800
// packages) and a module with 200 versions, published through the plugin.
func hostWith200(b *testing.B) (*porttest.MemHost, *ports.RepoContext) {
	h := porttest.NewMemHost()
	repo := &ports.RepoContext{Key: "tf", Format: "terraform", BaseURL: "http://h/terraform/tf"}
	mod := moduleArchive(b, "bench")
	mustPut := func(path string, body []byte) {
		dg := h.AddBlob(body)
		r, err := plugintest.NativeHandle(Plugin{}, h, ports.FormatRequest{Method: "PUT", Path: path, Repo: repo, User: "u",
			Body: &ports.Body{Digest: dg, Size: int64(len(body))}})
		if err != nil || r.Status != 201 {
			b.Fatal(path, err, r.Status)
		}
		if err := h.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < 200; i++ {
		v := fmt.Sprintf("1.%d.%d", i/10, i%10)
		mustPut("/-/modules/net/aws/"+v, mod)
		zl := providerZipBytes(b, "demo", v)
		for _, p := range []string{"linux_amd64", "linux_arm64", "darwin_arm64", "windows_amd64"} {
			mustPut("/-/providers/demo/"+v+"/terraform-provider-demo_"+v+"_"+p+".zip", zl)
		}
	}
	return h, repo
}

// BenchmarkRender renders the hottest documents (provider and module
// version lists, the mirror's version document, SHA256SUMS), natively and
// through the wasm runtime.
func BenchmarkRender(b *testing.B) {
	h, repo := hostWith200(b)
	rt := loadWasm(b)
	for _, c := range []struct{ name, path string }{
		{"provider-versions", "/demo/versions"},
		{"module-versions", "/net/aws/versions"},
		{"mirror-version", "/-/mirror/h/ns/demo/1.9.9.json"},
		{"sha256sums", "/-/providers/demo/1.9.9/terraform-provider-demo_1.9.9_SHA256SUMS"},
	} {
		req := ports.FormatRequest{Method: "GET", Path: c.path, Repo: repo}
		(&plugintest.Bench{Plugin: Plugin{}, ID: "terraform", RT: rt, Host: h}).Both(b, c.name, req, 200)
	}
}
