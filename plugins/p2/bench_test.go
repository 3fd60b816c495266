package p2

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkUploadThenIndex measures, in a repository of 1, 1,000 and
// 10,000 bundles, one bundle upload (zip listing, manifest, fragments:
// the same work at every size) and the content.xml request after it (the
// fragments joined), natively and through the wasm runtime.
func BenchmarkUploadThenIndex(b *testing.B) {
	repo := &ports.RepoContext{Key: "ecl", Format: "p2", BaseURL: "http://h/p2/ecl"}
	rt := plugintest.LoadWasm(b, "p2", ".", wasmLimits)
	for _, n := range []int{1, 1000, 10000} {
		h := porttest.NewMemHost()
		for i := 0; i < n; i++ {
			u := &unit{kind: "bundle", id: fmt.Sprintf("org.bench.b%05d", i), version: "1.0.0", name: "bench",
				requires: []requirement{{"osgi.bundle", "org.eclipse.core.runtime", "0.0.0"}}, manifest: "Bundle-SymbolicName: x\n"}
			path := "plugins/" + u.id + "_1.0.0.jar"
			h.AddFile(path, []byte(u.id))
			meta, _ := json.Marshal(FileMeta{Units: unitsXML(u), Artifact: artifactXML(u, 4000, "00", "11")})
			f := h.Files[path]
			f.Metadata = meta
			h.Files[path] = f
		}
		up := ports.FormatRequest{Method: "PUT", Path: "/plugins/org.keeper.a_1.2.3.v20261207.jar", Repo: repo, Body: h.Body(bundleA), User: "u"}
		idx := ports.FormatRequest{Method: "GET", Path: "/content.xml", Repo: repo}
		bench := &plugintest.Bench{Plugin: Plugin{}, ID: "p2", RT: rt, Host: h}
		for _, mode := range plugintest.Modes {
			bench.Run(b, fmt.Sprintf("upload/%d/%s", n, mode), mode, up, 201, h.Discard)
			bench.Run(b, fmt.Sprintf("index/%d/%s", n, mode), mode, idx, 200, nil)
		}
	}
}
