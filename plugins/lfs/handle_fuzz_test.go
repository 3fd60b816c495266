package lfs

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with the requests git-lfs sends (batch,
// basic upload, verify, locks), makes the plugin panic or answer a server
// error.
func FuzzHandle(f *testing.F) {
	data := []byte("large file content\n")
	oid := oidOf(data)
	plugintest.FuzzHandle(f, Plugin{}, "lfs", "http://k/lfs/r", []plugintest.FuzzSeed{
		plugintest.Seed(3, "/objects/batch", "", mediaType, batchBody("upload", obj(oid, len(data)))),
		plugintest.Seed(3, "/objects/batch", "", mediaType, batchBody("download", obj(oid, len(data)))),
		plugintest.Seed(2, "/objects/"+oid, "", "application/octet-stream", data),
		plugintest.Seed(3, "/objects/verify", "", mediaType, js(obj(oid, len(data)))),
		plugintest.Seed(3, "/locks", "", mediaType, js(map[string]any{"path": "a.bin"})),
		plugintest.Seed(0, "/locks", "path=a.bin&limit=10", "", nil),
		plugintest.Seed(3, "/locks/verify", "", mediaType, js(map[string]any{"limit": 2})),
		plugintest.Seed(3, "/locks/x/unlock", "", mediaType, js(map[string]any{"force": true})),
	})
}
