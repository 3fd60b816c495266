package p2

import (
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// maxEntries bounds a jar's listing.
const maxEntries = 65536

func bad(format string, args ...any) error { return sdk.Errorf(400, format, args...) }

// hostErr turns a host refusal of the uploaded bytes into a 400 naming it.
func hostErr(what string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "name contains ..") || strings.Contains(msg, "absolute name"):
		return bad("%s: path traversal (absolute or ..): %s", what, clip(msg))
	case strings.Contains(msg, "limit") || strings.Contains(msg, "ratio"):
		return bad("%s: too large (decompression bomb or oversized entry): %s", what, clip(msg))
	}
	return bad("%s: %s", what, clip(msg))
}

// upload stores a bundle (plugins/) or feature (features/) jar named
// <id>_<version>.jar after its manifest, as p2's publisher names them.
func upload(h sdk.Host, req *sdk.Request, dir, file string) (*sdk.Response, error) {
	if req.User == "" {
		return nil, sdk.Errorf(401, "authentication required")
	}
	if !strings.HasSuffix(file, ".jar") {
		return nil, bad("upload to /%s/<id>_<version>.jar", dir)
	}
	if req.Body == nil || req.Body.Size == 0 {
		return nil, bad("empty body: send the jar")
	}
	es, err := h.ArchiveList(req.Body.Digest, sdk.ArchiveZip, maxEntries)
	if err != nil {
		return nil, hostErr("not a jar (truncated or damaged zip)", err)
	}
	want := "META-INF/MANIFEST.MF"
	if dir == "features" {
		want = "feature.xml"
	}
	found := false
	for _, e := range es {
		if unsafeName(e.Name) {
			return nil, bad("the jar holds the unsafe name %q: path traversal (absolute or ..)", clip(e.Name))
		}
		found = found || e.Name == want
	}
	if !found {
		return nil, bad("the jar has no %s", want)
	}
	data, err := h.ArchiveRead(req.Body.Digest, sdk.ArchiveZip, want, maxManifest)
	if err != nil {
		return nil, hostErr(want, err)
	}
	var u *unit
	if dir == "features" {
		u, err = featureUnit(data)
	} else {
		u, err = bundleUnit(data)
	}
	if err != nil {
		return nil, bad("%s", err.Error())
	}
	if canonical := u.id + "_" + u.version + ".jar"; file != canonical {
		return nil, bad("file name %q does not match %s (%s %s): want %q", clip(file), want, u.id, u.version, canonical)
	}
	path := dir + "/" + file
	if f, err := h.GetFile(path); err != nil {
		return nil, err
	} else if f != nil {
		return nil, sdk.Errorf(409, "%s %s already exists", u.id, u.version)
	}
	md5 := req.Body.MD5
	if md5 == "" {
		if md5, err = h.Hash(sdk.MD5, sdk.Source{Blob: req.Body.Digest}); err != nil {
			return nil, err
		}
	}
	meta, _ := json.Marshal(FileMeta{Units: unitsXML(u), Artifact: artifactXML(u, req.Body.Size, md5, req.Body.Digest)})
	pkg := u.id
	if u.kind == "feature" {
		pkg += ".feature.group"
	}
	if err := h.StageFile(sdk.StagedFile{Path: path, BlobDigest: req.Body.Digest, ContentType: "application/java-archive",
		Package: pkg, Version: u.version, Metadata: meta}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: pkg, Version: u.version}); err != nil {
		return nil, err
	}
	out, _ := json.Marshal(map[string]string{"id": u.id, "version": u.version, "kind": u.kind, "path": path, "sha256": req.Body.Digest})
	return &sdk.Response{Status: 201, Kind: sdk.BodyBytes, Bytes: append(out, '\n'),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

// unsafeName says whether a jar entry name is absolute or climbs out.
func unsafeName(n string) bool {
	return strings.HasPrefix(n, "/") || strings.Contains("/"+n+"/", "/../") || strings.ContainsAny(n, "\\\x00")
}
