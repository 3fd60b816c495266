package huggingface_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/huggingface"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs the upload replay (create, preupload, LFS
// batch, PUT, verify, commit), the documents and the refusals through the
// native plugin and its .wasm on adapters/wasm, each against its own
// in-memory host, and requires identical outcomes and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "huggingface", huggingface.Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "models", Type: "local", Format: "huggingface", BaseURL: base}
	d.User = "alice"
	d.Setup(func(h *porttest.MemHost) { h.Caller = "alice" })
	// Session tokens differ per host: compare batch answers without them.
	d.SameMessage = nil
	files := tinyModel()
	weights := files["model.safetensors"]
	req := func(method, path, query string, body []byte) ports.FormatRequest {
		r := ports.FormatRequest{Method: method, Path: path, RawQuery: query}
		if body != nil {
			r.Body = d.Body(body)
		}
		return r
	}
	regular := map[string][]byte{}
	for p, b := range files {
		if p != "model.safetensors" {
			regular[p] = b
		}
	}
	create, _ := json.Marshal(map[string]any{"name": "tiny", "organization": "alice", "type": "model"})
	verify, _ := json.Marshal(map[string]any{"oid": sha256Hex(weights), "size": len(weights)})
	d.Run([]ports.FormatRequest{
		req("POST", "/api/repos/create", "", create),
		req("POST", "/api/repos/create", "", create),
		req("POST", "/api/validate-yaml", "", []byte(`{"content":`+jsonString(modelCard)+`,"repoType":"model"}`)),
		req("POST", "/api/models/alice/tiny/preupload/main", "", preuploadBody(files, sortedKeys(files)...)),
		req("PUT", "/alice/tiny.git/info/lfs/objects/"+sha256Hex(weights), "", weights),
		req("PUT", "/alice/tiny.git/info/lfs/objects/"+sha256Hex(weights), "", []byte("forged")),
		req("POST", "/alice/tiny.git/info/lfs/objects/verify", "", verify),
		req("POST", "/api/models/alice/tiny/commit/main", "", commitBody("Upload", "", regular, map[string][]byte{"model.safetensors": weights})),
		req("POST", "/api/models/alice/tiny/commit/main", "", commitBody("Bad", "", map[string][]byte{"../x": []byte("x")}, nil)),
		req("GET", "/api/models/alice/tiny", "", nil),
		req("GET", "/api/models/alice/tiny", "blobs=true", nil),
		req("GET", "/api/models/alice/tiny/tree/main", "recursive=true&expand=false", nil),
		req("HEAD", "/alice/tiny/resolve/main/model.safetensors", "", nil),
		req("GET", "/alice/tiny/resolve/main/config.json", "", nil),
		req("HEAD", "/alice/tiny/resolve/main/nope", "", nil),
		req("GET", "/api/models/alice/nope", "", nil),
	})
	// The batch answer holds a session token of each host; compare the rest.
	body := batchBody(weights, []byte("new object"))
	n, errN := plugintest.NativeHandle(huggingface.Plugin{}, d.Native, ports.FormatRequest{Method: "POST",
		Path: "/alice/tiny.git/info/lfs/objects/batch", Body: d.Body(body), Repo: d.Repo, User: "alice"})
	w, errW := d.RT.Handle(t.Context(), "huggingface", ports.FormatRequest{Method: "POST",
		Path: "/alice/tiny.git/info/lfs/objects/batch", Body: d.Body(body), Repo: d.Repo, User: "alice"}, d.Wasm)
	strip := func(b []byte) string {
		s := string(b)
		if i := strings.Index(s, "//hf:"); i >= 0 {
			j := strings.Index(s[i:], "@")
			s = s[:i+2] + s[i+j+1:]
		}
		return s
	}
	if errN != nil || errW != nil || n.Status != 200 || w.Status != 200 || strip(n.Body) != strip(w.Body) {
		t.Fatalf("batch differs: %v %v\n%s\n%s", errN, errW, n.Body, w.Body)
	}
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }
