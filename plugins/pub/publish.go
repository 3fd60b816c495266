package pub

import (
	"encoding/json"
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/multipart"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// maxEntries bounds the entries of an uploaded archive.
const maxEntries = 50000

// newUpload answers GET api/packages/versions/new: where to POST the
// archive. Publishing needs a named caller: anonymous callers get the 401
// whose message `dart pub publish` prints.
func newUpload(req *sdk.Request) *sdk.Response {
	if req.User == "" {
		return pubError(401, "MissingAuthentication", "publishing needs a token: dart pub token add "+req.Repo.BaseURL)
	}
	b := []byte(`{"url":`)
	b = sdk.AppendJSONString(b, req.Repo.BaseURL+"/api/packages/versions/newUpload")
	b = append(b, `,"fields":{}}`...)
	return jsonResponse(200, b)
}

// upload takes the multipart POST of the archive (field "file"), checks it
// and stores it with its version, then sends the client on to the finish
// URL (204 with Location), as the spec's publishing flow has it.
func upload(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.User == "" {
		return pubError(401, "MissingAuthentication", "publishing needs a token"), nil
	}
	if req.Body == nil {
		return pubError(400, "InvalidInput", "the upload has no body"), nil
	}
	boundary, ok, err := multipart.Boundary(req.Header("Content-Type"))
	if err != nil || !ok {
		return pubError(400, "InvalidInput", "the upload must be multipart/form-data with a boundary"), nil
	}
	form, err := multipart.Parse(h, req.Body.Digest, req.Body.Size, boundary, multipart.Options{})
	if err != nil {
		return pubError(400, "InvalidInput", err.Error()), nil
	}
	part, ok := form.Files["file"]
	if !ok {
		return pubError(400, "InvalidInput", `the upload has no file field "file"`), nil
	}
	digest, err := multipart.CopyPart(h, req.Body.Digest, part)
	if err != nil {
		return nil, err
	}
	spec, resp, err := checkArchive(h, digest)
	if resp != nil || err != nil {
		return resp, err
	}
	vs, err := versionsOf(h, spec.Name)
	if err != nil {
		return nil, err
	}
	for _, p := range vs {
		if p.version == spec.Version {
			return pubError(409, "PackageRejected", "version "+spec.Version+" of package "+spec.Name+" already exists"), nil
		}
	}
	vm := versionMeta{SHA256: digest, Pubspec: spec.JSON}
	vm.SortKey, vm.LatestKey = sortKeys(spec.Version)
	meta, err := json.Marshal(vm)
	if err != nil {
		return nil, err
	}
	if err := h.StageFile(sdk.StagedFile{Path: archivePath(spec.Name, spec.Version), BlobDigest: digest,
		ContentType: "application/gzip", Package: spec.Name, Version: spec.Version}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: spec.Name, Version: spec.Version, Metadata: meta}); err != nil {
		return nil, err
	}
	q := url.Values{"package": {spec.Name}, "version": {spec.Version}}
	return &sdk.Response{Status: 204, Kind: sdk.BodyBytes, Headers: []sdk.Header{
		{Name: "Location", Value: req.Repo.BaseURL + "/api/packages/versions/newUploadFinish?" + q.Encode()}}}, nil
}

// checkArchive refuses an archive that is not a readable tar.gz, holds
// names escaping its folder, or has no valid pubspec.yaml at its root.
func checkArchive(h sdk.Host, digest string) (pubspec, *sdk.Response, error) {
	bad := func(msg string) (pubspec, *sdk.Response, error) {
		return pubspec{}, pubError(400, "PackageRejected", msg), nil
	}
	ents, err := h.ArchiveList(digest, sdk.ArchiveTarGz, maxEntries)
	if err != nil {
		return bad("the package archive is not a readable gzip-compressed tar: " + err.Error())
	}
	specName := ""
	for _, e := range ents {
		n := strings.ReplaceAll(e.Name, "\\", "/")
		if strings.HasPrefix(n, "/") || n == ".." || strings.HasPrefix(n, "../") || strings.Contains(n, "/../") || strings.HasSuffix(n, "/..") {
			return bad("the package archive holds " + clip(e.Name) + ", a path outside the package")
		}
		if n == "pubspec.yaml" || n == "./pubspec.yaml" {
			specName = e.Name
		}
	}
	if specName == "" {
		return bad("the package archive has no pubspec.yaml at its root")
	}
	doc, err := h.ArchiveRead(digest, sdk.ArchiveTarGz, specName, maxPubspec)
	if err != nil {
		return bad("pubspec.yaml is unreadable or larger than 128 KiB: " + err.Error())
	}
	spec, err := parsePubspec(doc)
	if err != nil {
		return bad(err.Error())
	}
	if !validName(spec.Name) {
		return bad("pubspec.yaml name " + clip(spec.Name) + " is not a package name (lowercase letters, digits and _, not starting with a digit)")
	}
	if !semver.Valid(spec.Version) {
		return bad("pubspec.yaml version " + clip(spec.Version) + " is not a semantic version")
	}
	return spec, nil, nil
}

// finish answers the URL the upload sent the client to.
func finish(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	q, _ := url.ParseQuery(req.RawQuery)
	name, version := q.Get("package"), q.Get("version")
	if !validName(name) {
		return pubError(400, "InvalidInput", "no upload to finish"), nil
	}
	vs, err := versionsOf(h, name)
	if err != nil {
		return nil, err
	}
	for _, p := range vs {
		if p.version == version {
			b := []byte(`{"success":{"message":`)
			b = sdk.AppendJSONString(b, "Successfully uploaded "+name+" version "+version+".")
			return jsonResponse(200, append(b, "}}"...)), nil
		}
	}
	return pubError(404, "NotFound", "no upload of "+name+" "+clip(version)+" to finish"), nil
}
