package openvsx

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// query is the body VS Code's extensionGalleryService.ts sends for
// "install keeper.demo" (queryGalleryExtensions: Flag.IncludeVersions |
// IncludeFiles | IncludeVersionProperties | IncludeAssetUri |
// IncludeLatestVersionOnly = 0x293; criteria Target and ExtensionName).
const installQuery = `{"filters":[{"criteria":[{"filterType":8,"value":"Microsoft.VisualStudio.Code"},` +
	`{"filterType":7,"value":"keeper.demo"}],"pageNumber":1,"pageSize":1,"sortBy":0,"sortOrder":0}],"assetTypes":[],"flags":659}`

func galleryPost(h *fakehost.Host, user, body string) *sdk.Response {
	return fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "POST", Path: "/vscode/gallery/extensionquery", Repo: h.RepoCtx,
		User: user, Body: h.Body([]byte(body)), Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}})
}

func TestGalleryQuery(t *testing.T) {
	h := newHost()
	mustStatus(t, createNamespace(h, "keeper"), 201, "")
	mustStatus(t, publish(h, vsixFile("keeper", "demo", "1.0.0")), 201, "")
	mustStatus(t, publish(h, vsixFile("keeper", "demo", "1.1.0")), 201, "")
	mustStatus(t, publish(h, vsixFile("keeper", "pack", "0.1.0", "keeper.demo")), 201, "")

	r := galleryPost(h, "alice", installQuery)
	plugintest.GoldenJSON(t, "golden/extensionquery.json", r.Bytes)
	mustStatus(t, r, 200, `"count":1`)
	mustStatus(t, r, 200, `{"assetType":"Microsoft.VisualStudio.Services.VSIXPackage","source":"http://k/openvsx/r/vscode/asset/keeper/demo/1.1.0/Microsoft.VisualStudio.Services.VSIXPackage"}`)
	mustStatus(t, r, 200, `"assetUri":"http://k/openvsx/r/vscode/asset/keeper/demo/1.1.0"`)
	mustStatus(t, r, 200, `{"key":"Microsoft.VisualStudio.Code.Engine","value":"^1.80.0"}`)
	if strings.Contains(string(r.Bytes), `"version":"1.0.0"`) {
		t.Fatalf("IncludeLatestVersionOnly listed an older version: %s", r.Bytes)
	}
	// Search text, every version, paging; by the extensionId the first answer gave.
	all := galleryPost(h, "alice", `{"filters":[{"criteria":[{"filterType":10,"value":"keeper"}],"pageNumber":1,"pageSize":1}],"flags":1}`)
	mustStatus(t, all, 200, `"count":2`)
	mustStatus(t, all, 200, `"version":"1.0.0"`)
	id := string(r.Bytes)[strings.Index(string(r.Bytes), `"extensionId":"`)+15:]
	id = id[:36]
	mustStatus(t, galleryPost(h, "", `{"filters":[{"criteria":[{"filterType":4,"value":"`+id+`"}]}],"flags":0}`), 200, `"extensionName":"demo"`)
	mustStatus(t, galleryPost(h, "", `{"filters":[{"criteria":[{"filterType":5,"value":"other"},{"filterType":10,"value":"pack"}]}],"flags":4}`), 200, `"categories":["Other"]`)
	mustStatus(t, galleryPost(h, "", `{"filters":[{"criteria":[{"filterType":7,"value":"keeper.nope"}]}],"flags":1}`), 200, `"count":0`)
	mustStatus(t, galleryPost(h, "", `{"filters":[]}`), 400, "at least one filter")
	mustStatus(t, galleryPost(h, "", `{`), 400, "JSON")
	mustStatus(t, galleryPost(h, "", `{"filters":[{"criteria":[{"filterType":99,"value":"x"}]}]}`), 400, "unsupported filterType 99")

	// The assets the answer names are the stored files.
	a := get(h, "/vscode/asset/keeper/demo/1.1.0/Microsoft.VisualStudio.Services.VSIXPackage", "")
	if a.Status != 200 || a.Kind != sdk.BodyServePath || a.Target != "api/keeper/demo/1.1.0/file/keeper.demo-1.1.0.vsix" {
		t.Fatalf("asset: %+v", a)
	}
	if a := get(h, "/vscode/asset/keeper/demo/1.1.0/Microsoft.VisualStudio.Code.Manifest", ""); a.Target != "api/keeper/demo/1.1.0/file/package.json" {
		t.Fatalf("manifest asset: %+v", a)
	}
	mustStatus(t, get(h, "/vscode/asset/keeper/demo/1.1.0/Microsoft.VisualStudio.Services.Icons.Default", ""), 404, "")
	mustStatus(t, get(h, "/vscode/asset/keeper/demo/9.0.0/Microsoft.VisualStudio.Services.VSIXPackage", ""), 404, "")

	// Remote and virtual repositories hold no list to query.
	h.RepoCtx.Kind = "virtual"
	mustStatus(t, galleryPost(h, "alice", installQuery), 400, "local repositories only")
}
