package puppet

import (
	"bytes"
	"encoding/json"
	"path"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/multipart"
)

// Limits of an uploaded module tarball. The Forge refuses modules whose
// unpacked size is large; Keeper refuses archives that unpack beyond
// maxUnpacked (a decompression bomb) or hold more than maxEntries entries.
const (
	maxEntries  = 50_000
	maxUnpacked = 256 << 20
	maxMetadata = 1 << 20
	maxDeps     = 1000
)

// metadata is the part of a module's metadata.json this plugin checks:
// https://www.puppet.com/docs/puppet/7/modules_metadata.html
type metadata struct {
	Name         string `json:"name"`
	Version      string `json:"version"`
	Dependencies []struct {
		Name               string `json:"name"`
		VersionRequirement string `json:"version_requirement"`
	} `json:"dependencies"`
}

// publish takes POST /v3/releases, multipart/form-data with the tarball in
// the field "file" (https://forgeapi.puppet.com/#tag/Release-Operations/operation/addRelease),
// checks it and stores it: 201 {"uri", "slug"}. A refused tarball is a
// 400 naming the problem and stores nothing.
func (a api) publish() (*sdk.Response, error) {
	h, req := a.h, a.req
	if req.Body == nil || req.Body.Size == 0 {
		return nil, fail(400, "empty upload: send the module tarball as the multipart field \"file\"")
	}
	boundary, ok, err := multipart.Boundary(req.Header("Content-Type"))
	if !ok || err != nil {
		return nil, fail(400, "the upload must be multipart/form-data with a \"file\" field")
	}
	form, err := multipart.Parse(h, req.Body.Digest, req.Body.Size, boundary, multipart.Options{Limits: multipart.Limits{MaxParts: 10}})
	if err != nil {
		return nil, fail(400, "malformed multipart body: "+err.Error())
	}
	part, ok := form.Files["file"]
	if !ok {
		return nil, fail(400, "the upload has no \"file\" field")
	}
	digest, err := multipart.CopyPart(h, req.Body.Digest, part)
	if err != nil {
		return nil, err
	}
	raw, md, err := readMetadata(h, digest)
	if err != nil {
		return nil, err
	}
	owner, name, _ := splitModule(md.Name)
	slug := owner + "-" + name + "-" + md.Version
	if fn := path.Base(strings.ReplaceAll(part.Filename, "\\", "/")); strings.HasSuffix(fn, ".tar.gz") {
		if o, n, v, ok := splitRelease(strings.TrimSuffix(fn, ".tar.gz")); ok && o+"-"+n+"-"+v != slug {
			return nil, fail(400, "the file name "+quote(fn)+" does not match metadata.json, which names "+slug)
		}
	}
	if f, err := h.GetFile(filePath(slug)); err != nil {
		return nil, err
	} else if f != nil {
		return nil, fail(409, "release "+slug+" already exists")
	}
	sha, err := h.Hash(sdk.SHA256, sdk.Source{Blob: digest})
	if err != nil {
		return nil, err
	}
	md5, err := h.Hash(sdk.MD5, sdk.Source{Blob: digest})
	if err != nil {
		return nil, err
	}
	var compact bytes.Buffer
	_ = json.Compact(&compact, raw)
	meta := releaseMeta{Owner: owner, Name: name, Version: md.Version, Size: part.Size, SHA256: sha, MD5: md5, Metadata: compact.Bytes()}
	if meta.Tags, meta.SortKey, err = storedExtras(h, &meta); err != nil {
		return nil, err
	}
	stored, _ := json.Marshal(meta)
	if err := h.StageFile(sdk.StagedFile{Path: filePath(slug), BlobDigest: digest, ContentType: "application/gzip",
		Package: meta.module(), Version: md.Version, Metadata: stored}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: meta.module(), Version: md.Version, Metadata: stored}); err != nil {
		return nil, err
	}
	return jsonResponse(201, map[string]string{"uri": "/v3/releases/" + slug, "slug": slug}, 0), nil
}

// readMetadata checks the tarball's entries (clean relative names under
// one top directory OWNER-NAME-VERSION, the unpacked size) and reads and
// checks its metadata.json.
func readMetadata(h sdk.Host, digest string) ([]byte, *metadata, error) {
	entries, err := h.ArchiveList(digest, sdk.ArchiveTarGz, maxEntries)
	if err != nil {
		return nil, nil, fail(400, "invalid module tarball (a gzip-compressed tar archive is expected): "+err.Error())
	}
	var root, found string
	var total uint64
	for _, e := range entries {
		n := strings.TrimPrefix(e.Name, "./")
		clean := strings.TrimSuffix(n, "/")
		if clean == "" && e.IsDir {
			continue
		}
		if clean == "" || strings.HasPrefix(n, "/") || strings.Contains(n, "\\") || path.Clean(clean) != clean ||
			clean == ".." || strings.HasPrefix(clean, "../") {
			return nil, nil, fail(400, "invalid module tarball: entry "+quote(e.Name)+" is not a clean relative path")
		}
		top, rest, _ := strings.Cut(clean, "/")
		if root == "" {
			root = top
		} else if top != root {
			return nil, nil, fail(400, "invalid module tarball: entries "+quote(root)+" and "+quote(top)+
				" are not under one top directory")
		}
		if total += e.Size; total > maxUnpacked {
			return nil, nil, fail(400, "invalid module tarball: it unpacks to more than "+strconv.Itoa(maxUnpacked>>20)+" MiB")
		}
		if rest == "metadata.json" && !e.IsDir {
			found = e.Name
		}
	}
	if found == "" {
		return nil, nil, fail(400, "invalid module tarball: no metadata.json in its top directory")
	}
	raw, err := h.ArchiveRead(digest, sdk.ArchiveTarGz, found, maxMetadata)
	if err != nil {
		return nil, nil, fail(400, "invalid module tarball: metadata.json: "+err.Error())
	}
	var md metadata
	if err := json.Unmarshal(raw, &md); err != nil {
		return nil, nil, fail(400, "invalid module tarball: metadata.json is not valid JSON: "+err.Error())
	}
	owner, name, ok := splitModule(md.Name)
	if !ok {
		return nil, nil, fail(400, "metadata.json: name "+quote(md.Name)+" is not OWNER-NAME")
	}
	if !validVersion(md.Version) {
		return nil, nil, fail(400, "metadata.json: version "+quote(md.Version)+" is not a semantic version")
	}
	if want := owner + "-" + name + "-" + md.Version; !strings.EqualFold(root, want) {
		return nil, nil, fail(400, "invalid module tarball: its top directory "+quote(root)+
			" does not match metadata.json, which names "+want)
	}
	if len(md.Dependencies) > maxDeps {
		return nil, nil, fail(400, "metadata.json: more than "+strconv.Itoa(maxDeps)+" dependencies")
	}
	for _, d := range md.Dependencies {
		if _, _, ok := splitModule(d.Name); !ok {
			return nil, nil, fail(400, "metadata.json: dependency "+quote(d.Name)+" is not OWNER-NAME")
		}
	}
	return raw, &md, nil
}
