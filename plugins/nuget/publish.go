package nuget

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/multipart"
)

// Push: https://learn.microsoft.com/en-us/nuget/api/package-publish-resource
// PUT with the .nupkg as a multipart/form-data file part (raw bodies are
// accepted too); 201 on success, 409 when the version exists, 400 invalid.
func publish(h sdk.Host, req *sdk.Request) (*sdk.Response, error) { return publishPackage(h, req, nil) }

// publishPackage stores the package in the body; check, when set, refuses
// a manifest with a message (a deploy by path checks the path's id and
// version).
func publishPackage(h sdk.Host, req *sdk.Request, check func(*Manifest) string) (*sdk.Response, error) {
	if req.Body == nil || req.Body.Size == 0 {
		return jsonError(400, "the request has no package"), nil
	}
	if max := configLimit(req.Repo, "max_nupkg_bytes", defaultMaxNupkg); req.Body.Size > max {
		return jsonError(413, fmt.Sprintf("the package has %d bytes, more than the limit of %d bytes", req.Body.Size, max)), nil
	}
	digest, size := req.Body.Digest, req.Body.Size
	if boundary, ok, err := multipart.Boundary(req.Header("Content-Type")); err != nil {
		return jsonError(400, "the Content-Type is not valid: "+err.Error()), nil
	} else if ok {
		form, err := multipart.Parse(h, digest, size, boundary, multipart.Options{})
		if err != nil {
			// NuGet 2.x ends the body with "\n--boundary--" (LF, not CRLF).
			if form, err = singlePart(h, digest, size, boundary); err != nil {
				return jsonError(400, "the multipart body is not valid: "+err.Error()), nil
			}
		}
		var part *multipart.Part
		for i := range form.Parts {
			if form.Parts[i].Filename != "" || len(form.Parts) == 1 {
				part = &form.Parts[i]
				break
			}
		}
		if part == nil || part.Size == 0 {
			return jsonError(400, "the multipart body has no package file"), nil
		}
		if digest, err = multipart.CopyPart(h, digest, *part); err != nil {
			return nil, err
		}
		size = part.Size
	}
	entries, err := h.ArchiveList(digest, sdk.ArchiveZip, maxEntries)
	if err != nil {
		return jsonError(400, "the package is not a readable zip within the limits: "+err.Error()), nil
	}
	nuspec, msg := checkEntries(entries, configLimit(req.Repo, "max_unpacked_bytes", defaultMaxUnpacked))
	if msg != "" {
		return jsonError(400, msg), nil
	}
	raw, err := h.ArchiveRead(digest, sdk.ArchiveZip, nuspec, maxNuspec)
	if err != nil {
		return jsonError(400, fmt.Sprintf("the .nuspec cannot be read within %d bytes: %v", maxNuspec, err)), nil
	}
	m, err := ParseNuspec(raw)
	if err != nil {
		return jsonError(400, err.Error()), nil
	}
	if !strings.EqualFold(nuspec, m.ID+".nuspec") {
		return jsonError(400, fmt.Sprintf("the manifest %s does not match the package id %s", nuspec, m.ID)), nil
	}
	if check != nil {
		if msg := check(m); msg != "" {
			return jsonError(400, msg), nil
		}
	}
	lid := strings.ToLower(m.ID)
	existing, err := records(h, lid)
	if err != nil {
		return nil, err
	}
	for _, r := range existing {
		if strings.EqualFold(r.Version, m.Version) {
			return jsonError(409, "package "+r.ID+" "+r.Version+" already exists"), nil
		}
	}
	if len(existing) > 0 && existing[0].ID != m.ID {
		// One spelling per id: the registration and v2 feed name it once.
		m.ID = existing[0].ID
	}
	hexSum, err := h.Hash(sdk.SHA512, sdk.Source{Blob: digest})
	if err != nil {
		return nil, err
	}
	sum, err := hex.DecodeString(hexSum)
	if err != nil {
		return nil, err
	}
	rec := record{Manifest: *m, Size: size, SHA512: base64.StdEncoding.EncodeToString(sum)}
	meta, err := encodeRecord(&rec)
	if err != nil {
		return nil, err
	}
	nuspecDigest, err := h.PutBlob(raw)
	if err != nil {
		return nil, err
	}
	if err := h.StageFile(sdk.StagedFile{Path: nupkgPath(m.ID, m.Version), BlobDigest: digest,
		ContentType: "application/octet-stream", Package: lid, Version: m.Version}); err != nil {
		return nil, err
	}
	if err := h.StageFile(sdk.StagedFile{Path: "api/v2/" + v2Path(m.ID, m.Version), BlobDigest: digest,
		ContentType: "application/octet-stream", Package: lid, Version: m.Version}); err != nil {
		return nil, err
	}
	if err := h.StageFile(sdk.StagedFile{Path: nuspecPath(m.ID, m.Version), BlobDigest: nuspecDigest,
		ContentType: "application/xml", Package: lid, Version: m.Version}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: lid, Version: m.Version, Metadata: meta}); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 201, Kind: sdk.BodyBytes, Bytes: []byte{}}, nil
}

// singlePart reads a body of one file part whose closing delimiter is
// preceded by a bare LF, as NuGet 2.x writes it: the part's content is
// between the blank line after its header and "\n--boundary--" at the end.
func singlePart(h sdk.Host, digest string, size uint64, boundary string) (*multipart.Form, error) {
	const maxHead = 4096
	head, err := h.ReadBlob(digest, 0, uint32(min(size, maxHead)))
	if err != nil {
		return nil, err
	}
	delim := "--" + boundary
	if !bytes.HasPrefix(head, []byte(delim)) {
		return nil, errors.New("the body does not start with the boundary")
	}
	end := bytes.Index(head, []byte("\r\n\r\n"))
	if end < 0 {
		return nil, errors.New("the part header is not terminated")
	}
	start := uint64(end + 4)
	closing := "\n" + delim + "--"
	tailLen := uint64(len(closing) + 3)
	if size < start+tailLen {
		return nil, errors.New("the body is truncated")
	}
	tail, err := h.ReadBlob(digest, size-tailLen, uint32(tailLen))
	if err != nil {
		return nil, err
	}
	tail = bytes.TrimRight(tail, "\r\n")
	if !bytes.HasSuffix(tail, []byte(closing)) {
		return nil, errors.New("the part is not terminated by the closing boundary")
	}
	stop := size - (tailLen - uint64(len(tail))) - uint64(len(closing))
	if stop > start && len(tail) > len(closing) && tail[len(tail)-len(closing)-1] == '\r' {
		stop-- // a CRLF after all
	}
	if stop < start {
		return nil, errors.New("the body is truncated")
	}
	p := multipart.Part{Name: "package", Filename: "package", Offset: start, Size: stop - start}
	return &multipart.Form{Parts: []multipart.Part{p}, Files: map[string]multipart.Part{"package": p}}, nil
}

// checkEntries finds the one .nuspec at the root and refuses absolute or
// '..' names and too much content.
func checkEntries(entries []sdk.ArchiveEntry, maxUnpacked uint64) (string, string) {
	var total uint64
	nuspec := ""
	for _, e := range entries {
		n := e.Name
		if strings.HasPrefix(n, "/") || strings.Contains(n, "\\") || strings.Contains(n, ":") {
			return "", fmt.Sprintf("the package has an absolute entry name %q", n)
		}
		for _, seg := range strings.Split(n, "/") {
			if seg == ".." {
				return "", fmt.Sprintf("the package has an entry %q with a '..' segment", n)
			}
		}
		total += e.Size
		if total > maxUnpacked {
			return "", fmt.Sprintf("the package unpacks to more than %d bytes", maxUnpacked)
		}
		if !strings.Contains(n, "/") && strings.HasSuffix(strings.ToLower(n), ".nuspec") {
			if nuspec != "" {
				return "", "the package has more than one .nuspec at its root"
			}
			nuspec = n
		}
	}
	if nuspec == "" {
		return "", "the package has no .nuspec at its root"
	}
	return nuspec, ""
}

// setListed unlists (DELETE, https://learn.microsoft.com/en-us/nuget/api/package-publish-resource#delete-a-package)
// or relists (POST, #relist-a-package) a version: it stays downloadable.
func setListed(h sdk.Host, id, version string, listed bool) (*sdk.Response, error) {
	r, err := find(h, id, version)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return jsonError(404, "package "+id+" "+version+" not found"), nil
	}
	r.Unlisted = !listed
	meta, err := encodeRecord(r)
	if err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: strings.ToLower(r.ID), Version: r.Version, Metadata: meta}); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 204, Kind: sdk.BodyBytes}, nil
}
