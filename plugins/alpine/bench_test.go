package alpine

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkUploadThenIndex measures, in an architecture directory of 1,
// 1,000 and 10,000 packages, one upload (parse, datahash, the package's
// index entry: the same work at every size) and the APKINDEX.tar.gz
// request after it (entries joined, tar, gzip, signed), natively and
// through the wasm runtime.
func BenchmarkUploadThenIndex(b *testing.B) {
	apk, _ := hello.build()
	repo := &ports.RepoContext{Key: "al", Format: "alpine", BaseURL: "http://h/alpine/al"}
	rt := plugintest.LoadWasm(b, "alpine", ".", wasmLimits)
	for _, n := range []int{1, 1000, 10000} {
		h := porttest.NewMemHost()
		h.Signing = signer()
		for i := 0; i < n; i++ {
			p := &Package{Name: fmt.Sprintf("bench-%05d", i), Version: "1.0-r0", Arch: "x86_64", Description: "bench package",
				License: "MIT", Depends: []string{"so:libc.musl-x86_64.so.1"}, ControlSHA1: make([]byte, 20)}
			path := dir[1:] + p.FileName()
			h.AddFile(path, []byte(p.Name))
			meta, _ := json.Marshal(FileMeta{Entry: IndexEntry(p, 4000)})
			f := h.Files[path]
			f.Metadata = meta
			h.Files[path] = f
		}
		up := ports.FormatRequest{Method: "PUT", Path: dir + "keeper-hello-1.0-r0.apk", Repo: repo, Body: h.Body(apk), User: "u"}
		idx := ports.FormatRequest{Method: "GET", Path: dir + "APKINDEX.tar.gz", Repo: repo}
		bench := &plugintest.Bench{Plugin: Plugin{}, ID: "alpine", RT: rt, Host: h}
		for _, mode := range plugintest.Modes {
			bench.Run(b, fmt.Sprintf("upload/%d/%s", n, mode), mode, up, 201, h.Discard)
			bench.Run(b, fmt.Sprintf("index/%d/%s", n, mode), mode, idx, 200, nil)
		}
	}
}
