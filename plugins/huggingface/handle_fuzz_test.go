package huggingface_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/huggingface"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with what huggingface_hub sends, makes the
// plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	files := tinyModel()
	plugintest.FuzzHandle(f, huggingface.Plugin{}, "huggingface", base, []plugintest.FuzzSeed{
		plugintest.Seed(3, "/api/repos/create", "", "application/json", []byte(`{"name":"tiny","organization":"alice","type":"model"}`)),
		plugintest.Seed(3, "/api/validate-yaml", "", "application/json", []byte(`{"content":"---\nlicense: mit\n---\n","repoType":"model"}`)),
		plugintest.Seed(3, "/api/models/alice/tiny/preupload/main", "", "application/json", preuploadBody(files, "config.json")),
		plugintest.Seed(3, "/alice/tiny.git/info/lfs/objects/batch", "", "application/vnd.git-lfs+json", batchBody(files["config.json"])),
		plugintest.Seed(3, "/api/models/alice/tiny/commit/main", "", "application/x-ndjson", commitBody("c", "", map[string][]byte{"README.md": files["README.md"]}, nil)),
		plugintest.Seed(0, "/api/models/alice/tiny", "blobs=true", "", nil),
		plugintest.Seed(0, "/api/models/alice/tiny/tree/main", "recursive=true", "", nil),
		plugintest.Seed(1, "/alice/tiny/resolve/main/config.json", "", "", nil),
	})
}
