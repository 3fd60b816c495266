package conan_test

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/conan"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// hostWith200 holds one reference with 200 recipe revisions, uploaded as the
// client does (conanfile.py, then the manifest).
func hostWith200(b *testing.B, repo *ports.RepoContext) *porttest.MemHost {
	h := porttest.NewMemHost()
	for i := 0; i < 200; i++ {
		src := []byte(fmt.Sprintf("from conan import ConanFile\n# revision %d\n", i))
		man, rev := manifest(map[string][]byte{"conanfile.py": src})
		base := refPath + "/revisions/" + rev + "/files/"
		for _, f := range []struct {
			name string
			data []byte
		}{{"conanfile.py", src}, {"conanmanifest.txt", []byte(man)}} {
			req := ports.FormatRequest{Method: "PUT", Path: base + f.name, Repo: repo, User: "u",
				Body: &ports.Body{Digest: h.AddBlob(f.data), Size: int64(len(f.data))}}
			if r, err := plugintest.NativeHandle(conan.Plugin{}, h, req); err != nil || r.Status != 201 {
				b.Fatal(err, r.Status, string(r.Body))
			}
			if err := h.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	}
	return h
}

// BenchmarkRevisions renders the revision list of a reference with 200
// recipe revisions and its latest revision, natively and through the wasm
// runtime (report the wasm/native ratio).
func BenchmarkRevisions(b *testing.B) {
	repo := &ports.RepoContext{Key: "cpp", Format: "conan", BaseURL: "http://h/conan/cpp"}
	h := hostWith200(b, repo)
	rt := plugintest.LoadWasm(b, "conan", ".", wasmLimits)
	for _, path := range []string{"revisions", "latest"} {
		req := ports.FormatRequest{Method: "GET", Path: refPath + "/" + path, Repo: repo}
		(&plugintest.Bench{Plugin: conan.Plugin{}, ID: "conan", RT: rt, Host: h}).Both(b, path, req, 200)
	}
}
