package lfs

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkBatch answers a download batch of 100 stored objects (git-lfs's
// batch size), natively and through the wasm runtime.
func BenchmarkBatch(b *testing.B) {
	h := porttest.NewMemHost()
	h.Caller = "u"
	var objs []any
	for i := 0; i < 100; i++ {
		data := []byte(fmt.Sprintf("object %d", i))
		oid := oidOf(data)
		h.AddFile(objectPath(oid), data)
		objs = append(objs, obj(oid, len(data)))
	}
	body := batchBody("download", objs...)
	digest := h.AddBlob(body)
	repo := &ports.RepoContext{Key: "r", Format: "lfs", BaseURL: "http://h/lfs/r"}
	req := ports.FormatRequest{Method: "POST", Path: "/objects/batch", Repo: repo, User: "u",
		Body: &ports.Body{Digest: digest, Size: int64(len(body))}}
	rt := plugintest.LoadWasm(b, "lfs", ".", wasmLimits)
	bench := &plugintest.Bench{Plugin: Plugin{}, ID: "lfs", RT: rt, Host: h}
	bench.Run(b, "native", "native", req, 200, nil)
	bench.Run(b, "wasm", "wasm", req, 200, nil)
}
