package openvsx

import (
	"encoding/json"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

func vsceCall(h *fakehost.Host, method, path, query string, body []byte) *sdk.Response {
	req := &sdk.Request{Method: method, Path: path, RawQuery: query, Repo: h.RepoCtx, User: "alice"}
	if body != nil {
		req.Body = h.Body(body)
	}
	return fakehost.Serve(Plugin{}, h, req)
}

// TestVsceGallery replays what vsce publish sends (azure-devops-node-api
// GalleryApi: location discovery, getExtension, createExtension,
// updateExtension), the routes taken from the location document as the
// client does.
func TestVsceGallery(t *testing.T) {
	h := newHost()
	loc := vsceCall(h, "OPTIONS", "/vscode/_apis/gallery", "", nil)
	var locs struct {
		Value []struct{ ID, Area, RouteTemplate string }
	}
	if loc.Status != 200 || json.Unmarshal(loc.Bytes, &locs) != nil || len(locs.Value) != 2 ||
		locs.Value[0].ID != vsceExtensionsLocation || locs.Value[0].RouteTemplate != "_apis/gallery/extensions" ||
		locs.Value[1].ID != vscePublisherLocation || locs.Value[1].RouteTemplate != "_apis/gallery/publishers/{publisherName}/extensions/{extensionName}" {
		t.Fatalf("locations: %d %s", loc.Status, loc.Bytes)
	}
	ext := "/vscode/_apis/gallery/publishers/keeper/extensions/demo"
	mustStatus(t, vsceCall(h, "GET", ext, "flags=1", nil), 404, `"message":"Extension keeper.demo does not exist."`)
	mustStatus(t, vsceCall(h, "POST", "/vscode/_apis/gallery/extensions", "", vsixFile("keeper", "demo", "1.0.0")), 400, `"message":"Unknown publisher: keeper`)
	mustStatus(t, createNamespace(h, "keeper"), 201, "")
	mustStatus(t, vsceCall(h, "POST", "/vscode/_apis/gallery/extensions", "", vsixFile("keeper", "demo", "1.0.0")), 201, `"version":"1.0.0"`)
	mustStatus(t, vsceCall(h, "PUT", ext, "", vsixFile("keeper", "other", "1.1.0")), 400, `"message":"the VSIX is keeper.other, not keeper.demo"`)
	mustStatus(t, vsceCall(h, "PUT", ext, "", vsixFile("keeper", "demo", "1.1.0")), 201, `"version":"1.1.0"`)
	mustStatus(t, vsceCall(h, "PUT", ext, "", vsixFile("keeper", "demo", "1.1.0")), 409, `"message":"Extension keeper.demo 1.1.0 is already published."`)
	got := vsceCall(h, "GET", ext, "flags=1", nil)
	var pe struct {
		ExtensionName string
		Publisher     struct{ PublisherName string }
		Versions      []map[string]any
	}
	if got.Status != 200 || json.Unmarshal(got.Bytes, &pe) != nil || pe.ExtensionName != "demo" || pe.Publisher.PublisherName != "keeper" ||
		len(pe.Versions) != 2 || pe.Versions[0]["version"] != "1.1.0" || pe.Versions[1]["version"] != "1.0.0" {
		t.Fatalf("getExtension: %d %s", got.Status, got.Bytes)
	}
	if _, ok := pe.Versions[0]["targetPlatform"]; ok {
		t.Fatal("a universal version has a targetPlatform: vsce would not see the duplicate")
	}
	mustStatus(t, vsceCall(h, "DELETE", ext, "", nil), 405, `"message"`)
	mustStatus(t, vsceCall(h, "GET", "/vscode/_apis/gallery/publishers/a..b/extensions/demo", "", nil), 400, `"message"`)
	mustStatus(t, vsceCall(h, "GET", "/vscode/_apis/gallery/nope", "", nil), 404, `"message"`)
	h.RepoCtx.Kind = "remote"
	mustStatus(t, vsceCall(h, "OPTIONS", "/vscode/_apis/gallery", "", nil), 400, "local repositories only")
}
