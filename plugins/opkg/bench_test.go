package opkg

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkUploadThenIndex measures, in a feed of 1, 1,000 and 10,000
// packages, one upload (outer archive, control.tar.gz, the paragraph: the
// same work at every size) and the Packages.gz request after it (the
// paragraphs joined and gzipped), natively and through the wasm runtime.
func BenchmarkUploadThenIndex(b *testing.B) {
	ipk := hello.build()
	repo := &ports.RepoContext{Key: "ow", Format: "opkg", BaseURL: "http://h/opkg/ow"}
	rt := plugintest.LoadWasm(b, "opkg", ".", wasmLimits)
	c, _ := parseControl([]byte(controlText("bench", "1.0-1", "x86_64")))
	for _, n := range []int{1, 1000, 10000} {
		h := porttest.NewMemHost()
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("bench-%05d_1.0-1_x86_64.ipk", i)
			path := feed[1:] + name
			h.AddFile(path, []byte(name))
			c[0].Value = fmt.Sprintf("bench-%05d", i)
			meta, _ := json.Marshal(FileMeta{Depth: feedDepth(feed[1 : len(feed)-1]), Stanza: stanza(c, name, 4000, "00", "11")}) // as upload stores it
			f := h.Files[path]
			f.Metadata = meta
			h.Files[path] = f
		}
		up := ports.FormatRequest{Method: "PUT", Path: feed + "keeper-hello_1.0-1_x86_64.ipk", Repo: repo, Body: h.Body(ipk), User: "u"}
		idx := ports.FormatRequest{Method: "GET", Path: feed + "Packages.gz", Repo: repo}
		bench := &plugintest.Bench{Plugin: Plugin{}, ID: "opkg", RT: rt, Host: h}
		for _, mode := range plugintest.Modes {
			bench.Run(b, fmt.Sprintf("upload/%d/%s", n, mode), mode, up, 201, h.Discard)
			bench.Run(b, fmt.Sprintf("index/%d/%s", n, mode), mode, idx, 200, nil)
		}
	}
}
