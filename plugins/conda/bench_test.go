package conda_test

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/conda"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// hostWith holds n packages' records under noarch, as uploads leave them
// (the fragment, and the record in the fragment file's metadata).
func hostWith(n int) *porttest.MemHost {
	h := porttest.NewMemHost()
	for i := 0; i < n; i++ {
		file := fmt.Sprintf("bench-%05d-1.0-0.conda", i)
		rec := fmt.Sprintf(`{"build":"0","build_number":0,"depends":["python >=3.8"],"md5":"00000000000000000000000000000000","name":"bench-%05d","sha256":"%064d","size":1000,"subdir":"noarch","version":"1.0"}`, i, i)
		meta := fmt.Sprintf(`{"name":"bench-%05d","version":"1.0","build":"0","build_number":0,"subdir":"noarch","asm":1,"conda":true,"key":%q,"record":%s}`, i, file, rec)
		path := "parts/noarch/" + file + ".json"
		if err := h.StageFile(ports.StagedFile{Path: path, BlobDigest: h.AddBlob(fmt.Appendf(nil, "%q:%s", file, rec)),
			ContentType: "application/json", Metadata: []byte(meta)}); err != nil {
			panic(err)
		}
	}
	if err := h.Commit(); err != nil {
		panic(err)
	}
	return h
}

// BenchmarkUploadThenIndex measures, in channels of 1, 1,000 and 10,000
// packages, one upload (index.json read by the host, one record rendered:
// the same work at every size) and the repodata.json request after it (the
// host joins the stored records; nothing is parsed or re-rendered),
// natively and through the wasm runtime.
func BenchmarkUploadThenIndex(b *testing.B) {
	pkg := condaPkg(b, index("hello", "1.1", "py_0", "noarch"))
	repo := &ports.RepoContext{Key: "ch", Format: "conda", BaseURL: "http://h/conda/ch"}
	rt := plugintest.LoadWasm(b, "conda", ".", wasmLimits)
	for _, n := range []int{1, 1000, 10000} {
		h := hostWith(n)
		up := ports.FormatRequest{Method: "PUT", Path: "/hello-1.1-py_0.conda", Repo: repo, Body: h.Body(pkg), User: "u"}
		idx := ports.FormatRequest{Method: "GET", Path: "/noarch/repodata.json", Repo: repo}
		bench := &plugintest.Bench{Plugin: conda.Plugin{}, ID: "conda", RT: rt, Host: h}
		for _, mode := range plugintest.Modes {
			bench.Run(b, fmt.Sprintf("upload/%d/%s", n, mode), mode, up, 201, h.Discard)
			bench.Run(b, fmt.Sprintf("index/%d/%s", n, mode), mode, idx, 200, nil)
		}
	}
}
