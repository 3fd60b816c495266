package hex

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkRender renders /packages/NAME of a package with 200 releases
// (each with two dependencies) and /versions of 50 packages, signed and
// gzipped, natively and through the wasm runtime.
func BenchmarkRender(b *testing.B) {
	h := porttest.NewMemHost()
	h.Signing = rsaSigner
	repo := &ports.RepoContext{Key: "hexrepo", Format: "hex", BaseURL: "http://h/hex/hexrepo"}
	publish := func(name, version, reqs string) {
		tb := hexTarball(b, name, version, reqs, nil)
		r, err := plugintest.NativeHandle(Plugin{}, h, ports.FormatRequest{Method: "POST", Path: "/api/publish", Repo: repo, User: "u",
			Body: &ports.Body{Digest: h.AddBlob(tb), Size: int64(len(tb))}})
		if err != nil || r.Status != 201 {
			b.Fatal(err, r.Status)
		}
		if err := h.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	deps := `[{<<"a">>,[{<<"app">>,<<"a">>},{<<"optional">>,false},{<<"requirement">>,<<"~> 1.0">>}]},{<<"b">>,[{<<"app">>,<<"b">>},{<<"optional">>,true},{<<"requirement">>,<<">= 2.0.0">>}]}]`
	for i := 0; i < 200; i++ {
		publish("bench", fmt.Sprintf("1.%d.%d", i/10, i%10), deps)
	}
	for i := 0; i < 49; i++ {
		publish(fmt.Sprintf("pkg%d", i), "1.0.0", "[]")
	}
	rt := loadWasm(b)
	for _, c := range []struct{ name, path string }{{"package-200", "/packages/bench"}, {"versions-50", "/versions"}} {
		req := ports.FormatRequest{Method: "GET", Path: c.path, Repo: repo}
		(&plugintest.Bench{Plugin: Plugin{}, ID: "hex", RT: rt, Host: h}).Both(b, c.name, req, 200)
	}
}
