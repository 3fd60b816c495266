package huggingface_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/huggingface"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkModelInfo renders api/models/ID?blobs=true and the recursive
// tree of a repository of 300 files, natively and through the wasm runtime
// (report the wasm/native ratio).
func BenchmarkModelInfo(b *testing.B) {
	repo := &ports.RepoContext{Key: "models", Format: "huggingface", BaseURL: base}
	h := porttest.NewMemHost()
	h.Caller = "u"
	do := func(method, path string, body []byte) {
		req := ports.FormatRequest{Method: method, Path: path, Repo: repo, User: "u",
			Body: &ports.Body{Digest: h.AddBlob(body), Size: int64(len(body))}}
		if r, err := plugintest.NativeHandle(huggingface.Plugin{}, h, req); err != nil || r.Status != 200 {
			b.Fatal(err, r.Status, string(r.Body))
		}
		if err := h.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	create, _ := json.Marshal(map[string]any{"name": "big", "organization": "alice"})
	do("POST", "/api/repos/create", create)
	files := map[string][]byte{"README.md": []byte(modelCard)}
	for i := 0; i < 299; i++ {
		files[fmt.Sprintf("shards/part-%03d/config.json", i)] = []byte(fmt.Sprintf(`{"shard":%d}`, i))
	}
	do("POST", "/api/models/alice/big/commit/main", commitBody("many files", "", files, nil))
	rt := plugintest.LoadWasm(b, "huggingface", ".", wasmLimits)
	for _, c := range []struct{ name, path, query string }{
		{"info", "/api/models/alice/big", "blobs=true"},
		{"tree", "/api/models/alice/big/tree/main", "recursive=true"},
	} {
		req := ports.FormatRequest{Method: "GET", Path: c.path, RawQuery: c.query, Repo: repo}
		(&plugintest.Bench{Plugin: huggingface.Plugin{}, ID: "huggingface", RT: rt, Host: h}).Both(b, c.name, req, 200)
	}
}
