package ansible

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkVersions renders a collection's versions list (200 versions,
// one page of 100, the page ansible-galaxy asks for) and one version's
// detail, natively and through the wasm runtime. The versions are stored as
// publish stores them (with sort_key).
func BenchmarkVersions(b *testing.B) {
	h := porttest.NewMemHost()
	for i := 0; i < 200; i++ {
		v := fmt.Sprintf("1.%d.%d", i/10, i%10)
		file := "keeper-demo-" + v + ".tar.gz"
		h.AddFile(artifactPath(file), []byte(file))
		meta, _ := json.Marshal(versionMeta{Namespace: "keeper", Name: "demo", Version: v, Filename: file, SHA256: fmt.Sprintf("%064d", i),
			Task: taskID(fmt.Sprintf("%064d", i)), Dependencies: map[string]string{"a.b": ">=1.0.0"}, Authors: []string{"x"}, SortKey: sortKey(v)})
		f := h.Files[artifactPath(file)]
		f.Package, f.Version, f.Metadata = "keeper.demo", v, meta
		h.Files[artifactPath(file)] = f
		h.AddVersion(ports.Version{Package: "keeper.demo", Version: v, Metadata: meta})
	}
	repo := &ports.RepoContext{Key: "r", Format: "ansible", BaseURL: "http://h/ansible/r"}
	rt := plugintest.LoadWasm(b, "ansible", ".", wasmLimits)
	reqs := map[string]ports.FormatRequest{
		"versions": {Method: "GET", Path: "/api/v3/collections/keeper/demo/versions/", RawQuery: "limit=100", Repo: repo},
		"version":  {Method: "GET", Path: "/api/v3/collections/keeper/demo/versions/1.5.5/", Repo: repo},
	}
	for _, name := range []string{"versions", "version"} {
		req := reqs[name]
		(&plugintest.Bench{Plugin: Plugin{}, ID: "ansible", RT: rt, Host: h}).Both(b, name, req, 200)
	}
}
