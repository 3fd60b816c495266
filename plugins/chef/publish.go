package chef

import (
	"encoding/json"
	"path"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/multipart"
)

// Limits of an uploaded cookbook tarball: entries, the unpacked size (a
// decompression bomb is refused from the archive's listing) and
// metadata.json.
const (
	maxEntries  = 50_000
	maxUnpacked = 256 << 20
	maxMetadata = 1 << 20
	maxDeps     = 1000
)

// metadata is the part of metadata.json (written by knife from
// metadata.rb; https://docs.chef.io/config_rb_metadata/) the plugin reads.
type metadata struct {
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Description  string            `json:"description"`
	License      string            `json:"license"`
	Maintainer   string            `json:"maintainer"`
	SourceURL    string            `json:"source_url"`
	IssuesURL    string            `json:"issues_url"`
	Dependencies map[string]string `json:"dependencies"`
	Platforms    map[string]string `json:"platforms"`
}

// publish takes POST api/v1/cookbooks as knife supermarket share sends it
// (Chef::Knife::SupermarketShare: multipart "tarball", the cookbook's
// tar.gz, and "cookbook", JSON with its category): 201 {"uri"}; a version
// that exists is 409, a bad tarball 400 naming the problem.
func (a api) publish() (*sdk.Response, error) {
	h, req := a.h, a.req
	if req.User == "" {
		return nil, fail(401, "UNAUTHORIZED", "publishing needs a Keeper API token")
	}
	if req.Body == nil || req.Body.Size == 0 {
		return nil, fail(400, "INVALID_DATA", "empty upload: send multipart fields \"cookbook\" and \"tarball\"")
	}
	boundary, ok, err := multipart.Boundary(req.Header("Content-Type"))
	if !ok || err != nil {
		return nil, fail(400, "INVALID_DATA", "the upload must be multipart/form-data with \"cookbook\" and \"tarball\" fields")
	}
	form, err := multipart.Parse(h, req.Body.Digest, req.Body.Size, boundary,
		multipart.Options{Limits: multipart.Limits{MaxParts: 10}, Keep: map[string]bool{"cookbook": true}})
	if err != nil {
		return nil, fail(400, "INVALID_DATA", "malformed multipart body: "+err.Error())
	}
	var cb struct {
		Category string `json:"category"`
	}
	if raw, ok := form.Values["cookbook"]; !ok || json.Unmarshal([]byte(raw), &cb) != nil {
		return nil, fail(400, "INVALID_DATA", "the \"cookbook\" field must be JSON such as {\"category\":\"Other\"}")
	}
	if cb.Category == "" {
		cb.Category = "Other"
	}
	part, ok := form.Files["tarball"]
	if !ok {
		return nil, fail(400, "INVALID_DATA", "the upload has no \"tarball\" file field")
	}
	digest, err := multipart.CopyPart(h, req.Body.Digest, part)
	if err != nil {
		return nil, err
	}
	md, err := readMetadata(h, digest)
	if err != nil {
		return nil, err
	}
	if f, err := h.GetFile(tarballPath(md.Name, md.Version)); err != nil {
		return nil, err
	} else if f != nil {
		return nil, fail(409, "CONFLICT", "cookbook "+md.Name+" version "+md.Version+" already exists")
	}
	meta := versionMeta{Name: md.Name, Version: md.Version, Description: clip(md.Description), License: clip(md.License),
		Maintainer: clip(md.Maintainer), Category: clip(cb.Category), SourceURL: clip(md.SourceURL), IssuesURL: clip(md.IssuesURL),
		Dependencies: md.Dependencies, Platforms: md.Platforms, SHA256: digest, Size: part.Size}
	stored, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	fileMeta, err := tarballMetadata(stored)
	if err != nil {
		return nil, err
	}
	if err := h.StageFile(sdk.StagedFile{Path: tarballPath(md.Name, md.Version), BlobDigest: digest, ContentType: "application/gzip",
		Package: md.Name, Version: md.Version, Metadata: fileMeta}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: md.Name, Version: md.Version, Metadata: stored}); err != nil {
		return nil, err
	}
	return jsonResponse(201, map[string]string{"uri": a.cookbookURL(md.Name)}, 0), nil
}

// readMetadata checks the tarball's entries (clean relative names under
// one top directory, the cookbook's name; the unpacked size) and reads and
// checks NAME/metadata.json.
func readMetadata(h sdk.Host, digest string) (*metadata, error) {
	entries, err := h.ArchiveList(digest, sdk.ArchiveTarGz, maxEntries)
	if err != nil {
		return nil, fail(400, "INVALID_DATA", "invalid cookbook tarball (a gzip-compressed tar archive is expected): "+err.Error())
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
			return nil, fail(400, "INVALID_DATA", "invalid cookbook tarball: entry "+strconv.Quote(clip(e.Name))+" is not a clean relative path")
		}
		top, rest, _ := strings.Cut(clean, "/")
		if root == "" {
			root = top
		} else if top != root {
			return nil, fail(400, "INVALID_DATA", "invalid cookbook tarball: entries "+strconv.Quote(clip(root))+" and "+
				strconv.Quote(clip(top))+" are not under one top directory")
		}
		if total += e.Size; total > maxUnpacked {
			return nil, fail(400, "INVALID_DATA", "invalid cookbook tarball: it unpacks to more than "+strconv.Itoa(maxUnpacked>>20)+" MiB")
		}
		if rest == "metadata.json" && !e.IsDir {
			found = e.Name
		}
	}
	if found == "" {
		return nil, fail(400, "INVALID_DATA", "invalid cookbook tarball: no metadata.json in its top directory (knife writes it from metadata.rb)")
	}
	raw, err := h.ArchiveRead(digest, sdk.ArchiveTarGz, found, maxMetadata)
	if err != nil {
		return nil, fail(400, "INVALID_DATA", "invalid cookbook tarball: metadata.json: "+err.Error())
	}
	var md metadata
	if err := json.Unmarshal(raw, &md); err != nil {
		return nil, fail(400, "INVALID_DATA", "metadata.json is not valid JSON: "+err.Error())
	}
	if !validName(md.Name) {
		return nil, fail(400, "INVALID_DATA", "metadata.json: name "+strconv.Quote(clip(md.Name))+" is not a cookbook name")
	}
	if !validVersion(md.Version) {
		return nil, fail(400, "INVALID_DATA", "metadata.json: version "+strconv.Quote(clip(md.Version))+" is not a cookbook version (1.2 or 1.2.3)")
	}
	if root != md.Name {
		return nil, fail(400, "INVALID_DATA", "the tarball's top directory "+strconv.Quote(clip(root))+" is not the cookbook's name "+md.Name)
	}
	if len(md.Dependencies) > maxDeps || len(md.Platforms) > maxDeps {
		return nil, fail(400, "INVALID_DATA", "metadata.json: more than 1000 dependencies or platforms")
	}
	for d := range md.Dependencies {
		if !validName(d) {
			return nil, fail(400, "INVALID_DATA", "metadata.json: dependency "+strconv.Quote(clip(d))+" is not a cookbook name")
		}
	}
	return &md, nil
}
