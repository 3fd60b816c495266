package puppet

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// BenchmarkReleases renders the releases page puppet module install reads
// (200 releases, the first page of 20 with its exclude_fields, and the
// whole list remote and virtual repositories read) natively and through
// the wasm runtime. The releases are stored as publish stores them (with
// tags and sort_key).
func BenchmarkReleases(b *testing.B) {
	h := porttest.NewMemHost()
	md := json.RawMessage(metadataJSON("keeper-demo", "1.0.0", "keeper-base", "keeper-stdlib"))
	for i := 0; i < 200; i++ {
		v := fmt.Sprintf("1.%d.%d", i/10, i%10)
		m := releaseMeta{Owner: "keeper", Name: "demo", Version: v, Size: 1000,
			SHA256: fmt.Sprintf("%064d", i), MD5: fmt.Sprintf("%032d", i), Metadata: md}
		var err error
		if m.Tags, m.SortKey, err = storedExtras(fakehost.New(nil), &m); err != nil || m.SortKey == "" {
			b.Fatal("not assembled", err)
		}
		meta, _ := json.Marshal(m)
		slug := "keeper-demo-" + v
		h.AddFile(filePath(slug), []byte(slug))
		f := h.Files[filePath(slug)]
		f.Package, f.Version, f.Metadata = "keeper-demo", v, meta
		h.Files[filePath(slug)] = f
		h.AddVersion(ports.Version{Package: "keeper-demo", Version: v, Metadata: meta})
	}
	repo := &ports.RepoContext{Key: "r", Format: "puppet", BaseURL: "http://h/puppet/r"}
	rt := plugintest.LoadWasm(b, "puppet", ".", wasmLimits)
	reqs := map[string]ports.FormatRequest{
		"page":    {Method: "GET", Path: "/v3/releases", RawQuery: "module=keeper-demo&sort_by=version&exclude_fields=" + excludes, Repo: repo},
		"all":     {Method: "GET", Path: "/v3/modules/keeper-demo/releases", Repo: repo},
		"release": {Method: "GET", Path: "/v3/releases/keeper-demo-1.5.5", Repo: repo},
	}
	for _, name := range []string{"page", "all", "release"} {
		req := reqs[name]
		(&plugintest.Bench{Plugin: Plugin{}, ID: "puppet", RT: rt, Host: h}).Both(b, name, req, 200)
	}
}
