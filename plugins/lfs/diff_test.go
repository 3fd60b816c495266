package lfs

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs the same batches, uploads, verifies and lock
// reads through the native plugin and the .wasm on adapters/wasm, each
// against its own in-memory host, and requires identical outcomes and
// staged writes. Lock creation is left out: its locked_at is the guest's
// clock (TestLocks covers it).
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "lfs", Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "r", Type: "local", Format: "lfs", BaseURL: "http://h/lfs/r"}
	d.Setup(func(h *porttest.MemHost) { h.Caller = "u" })
	data := []byte("large file content\n")
	oid := oidOf(data)
	req := func(method, path string, body []byte) ports.FormatRequest {
		r := ports.FormatRequest{Method: method, Path: path, User: "u"}
		if body != nil {
			r.Body = d.Body(body)
		}
		return r
	}
	d.Run([]ports.FormatRequest{
		req("POST", "/objects/batch", batchBody("upload", obj(oid, len(data)), obj("bad", 1))),
		req("PUT", "/objects/"+oid, []byte("wrong")),
		req("PUT", "/objects/"+oid, data),
		req("PUT", "/objects/"+oid, data),
		req("POST", "/objects/verify", js(obj(oid, len(data)))),
		req("POST", "/objects/verify", js(obj(oid, 1))),
		req("POST", "/objects/batch", batchBody("download", obj(oid, len(data)), obj(oidOf(nil), 0))),
		req("POST", "/objects/batch", []byte("{")),
		req("POST", "/objects/batch", js(map[string]any{"operation": "download", "hash_algo": "md5"})),
		req("GET", "/locks", nil),
		req("POST", "/locks/verify", js(map[string]any{})),
		req("POST", "/locks/abc/unlock", nil),
		req("PATCH", "/objects/batch", nil),
	})
	if len(d.Native.Files) != 1 {
		t.Fatalf("final files: %d", len(d.Native.Files))
	}
}
