package openvsx

import (
	"errors"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// The part of the VS Code Marketplace's publishing API that vsce calls
// (@vscode/vsce src/publish.ts through azure-devops-node-api's GalleryApi),
// so `vsce publish` works with VSCE_MARKETPLACE_URL={repo-url}/vscode:
//
//	OPTIONS /vscode/_apis/gallery                                       resource locations (VsoClient.beginGetAreaLocations)
//	GET     /vscode/_apis/gallery/publishers/PUB/extensions/EXT?flags=  the extension and its versions (getExtension; 404 when new)
//	POST    /vscode/_apis/gallery/extensions                            publish a first version (createExtension; the VSIX as the body)
//	PUT     /vscode/_apis/gallery/publishers/PUB/extensions/EXT         publish another version (updateExtension)
//
// https://learn.microsoft.com/en-us/rest/api/azure/devops/ (Gallery area);
// the client finds each route through the location documents below, so
// only their ids are fixed (GalleryApi.ts). Errors carry "message", which
// typed-rest-client shows. The publisher must exist as an Open VSX
// namespace (ovsx create-namespace), as a Marketplace publisher must be
// created before vsce publishes.
const (
	vsceExtensionsLocation = "a41192c8-9525-4b58-bc86-179fa549d80d" // createExtension
	vscePublisherLocation  = "e11ea35a-16fe-4b80-ab11-c4cab88a0966" // getExtension, updateExtension
)

// vsce routes segs (the path after /vscode/_apis/gallery).
func (a api) vsce(segs []string) (*sdk.Response, error) {
	resp, err := a.vsceRoute(segs)
	var ve *vsxError
	if errors.As(err, &ve) {
		return jsonResponse(ve.Status, map[string]string{"message": ve.Detail, "error": ve.Detail}, 0), nil
	}
	return resp, err
}

func (a api) vsceRoute(segs []string) (*sdk.Response, error) {
	if a.req.Repo.Kind != "" && a.req.Repo.Kind != "local" {
		return nil, fail(400, "extensions are published to local repositories only")
	}
	m := a.req.Method
	switch {
	case len(segs) == 0 && m == "OPTIONS":
		loc := func(id, resource, template string) map[string]any {
			return map[string]any{"id": id, "area": "gallery", "resourceName": resource, "routeTemplate": template,
				"resourceVersion": 2, "minVersion": "1.0", "maxVersion": "7.2", "releasedVersion": "0.0"}
		}
		return jsonResponse(200, map[string]any{"count": 2, "value": []any{
			loc(vsceExtensionsLocation, "extensions", "_apis/gallery/extensions"),
			loc(vscePublisherLocation, "extensions", "_apis/gallery/publishers/{publisherName}/extensions/{extensionName}"),
		}}, 0), nil
	case len(segs) == 1 && segs[0] == "extensions" && m == "POST":
		return a.vscePublish("", "")
	case len(segs) == 4 && segs[0] == "publishers" && segs[2] == "extensions":
		pub, ext := segs[1], segs[3]
		if !validName(pub) || !validName(ext) {
			return nil, fail(400, "invalid publisher or extension name")
		}
		switch m {
		case "GET", "HEAD":
			return a.vsceExtension(strings.ToLower(pub), strings.ToLower(ext))
		case "PUT":
			return a.vscePublish(pub, ext)
		}
		return nil, fail(405, "method "+m+" not allowed")
	}
	return nil, fail(404, "not found: /vscode/_apis/gallery/"+strings.Join(segs, "/"))
}

// vsceExtension is the PublishedExtension with its versions (vsce reads
// versions[].version to refuse a republish before sending it).
func (a api) vsceExtension(ns, name string) (*sdk.Response, error) {
	rs, err := a.releases(ns, name)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, fail(404, "Extension "+ns+"."+name+" does not exist.")
	}
	id, err := a.extensionID(ns + "." + name)
	if err != nil {
		return nil, err
	}
	return jsonResponse(200, a.galleryExtension(id, rs, flagIncludeVersions), 0), nil
}

// vscePublish stores the VSIX of the body like POST /api/-/publish; for an
// update (pub, ext given) the VSIX must be of that extension.
func (a api) vscePublish(pub, ext string) (*sdk.Response, error) {
	if body := a.req.Body; pub != "" && body != nil && body.Size > 0 {
		v, err := readVSIX(a.h, body.Digest)
		if err != nil {
			return nil, err
		}
		if !strings.EqualFold(v.pkg.Publisher, pub) || !strings.EqualFold(v.pkg.Name, ext) {
			return nil, fail(400, "the VSIX is "+v.pkg.Publisher+"."+v.pkg.Name+", not "+pub+"."+ext)
		}
	}
	// vsce reads nothing of the answer but its status: it is Open VSX's
	// extension document.
	return a.publish()
}
