package cran

import (
	"encoding/json"
	"path"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// maxEntries bounds the entries of an uploaded package archive (the largest
// CRAN source packages have a few thousand files).
const maxEntries = 100_000

// fileMeta is the metadata stored with a package file: its PACKAGES
// record, fields in index order, MD5sum included.
type fileMeta struct {
	Fields [][2]string `json:"fields"`
}

// repoFields are the fields of a repository index, in order: tools'
// .get_standard_repository_db_fields (R 4.x), "Built" for binary trees.
var repoFields = []string{"Package", "Version", "Priority", "Depends", "Imports", "LinkingTo", "Suggests",
	"Enhances", "License", "License_is_FOSS", "License_restricts_use", "OS_type", "Archs", "MD5sum", "NeedsCompilation"}

func (t Tree) fields() []string {
	if t.Kind == "source" {
		return repoFields
	}
	return append(repoFields[:len(repoFields):len(repoFields)], "Built")
}

func (t Tree) archiveKind() sdk.ArchiveKind {
	if t.Ext == ".zip" {
		return sdk.ArchiveZip
	}
	return sdk.ArchiveTarGz
}

// upload stores a package file PUT at tree/file: the archive must hold
// NAME/DESCRIPTION whose Package and Version match the file name, and no
// entry outside NAME/. Nothing is stored when any check fails.
func upload(h sdk.Host, req *sdk.Request, t Tree, file string) (*sdk.Response, error) {
	name, version, ok := t.splitFile(file)
	if !ok {
		return nil, sdk.Errorf(400, "file name %q is not NAME_VERSION%s", file, t.Ext)
	}
	if req.Body == nil || req.Body.Size == 0 {
		return nil, sdk.Errorf(400, "empty upload: send the package archive as the request body")
	}
	p := t.Dir + "/" + file
	if f, err := h.GetFile(p); err != nil {
		return nil, err
	} else if f != nil {
		return nil, sdk.Errorf(409, "%s %s already exists in %s", name, version, t.Dir)
	}
	desc, err := readDescription(h, req.Body.Digest, t, name)
	if err != nil {
		return nil, err
	}
	if pkg := desc.Get("Package"); pkg != name {
		return nil, sdk.Errorf(400, "DESCRIPTION Package %q does not match the file name %q", pkg, file)
	}
	if v := desc.Get("Version"); v != version {
		return nil, sdk.Errorf(400, "DESCRIPTION Version %q does not match the file name %q", v, file)
	}
	if _, built := desc.Lookup("Built"); built != (t.Kind != "source") {
		if built {
			return nil, sdk.Errorf(400, "%s is a binary package (DESCRIPTION has Built): upload it to a bin/ tree", file)
		}
		return nil, sdk.Errorf(400, "%s is a source package (DESCRIPTION has no Built): upload it to src/contrib", file)
	}
	md5, err := h.Hash(sdk.MD5, sdk.Source{Blob: req.Body.Digest})
	if err != nil {
		return nil, err
	}
	var meta fileMeta
	for _, f := range t.fields() {
		v, ok := desc.Lookup(f)
		if f == "MD5sum" {
			v, ok = md5, true
		}
		if ok {
			meta.Fields = append(meta.Fields, [2]string{f, v})
		}
	}
	raw, _ := json.Marshal(meta)
	ct := "application/gzip"
	if t.Ext == ".zip" {
		ct = "application/zip"
	}
	if err := h.StageFile(sdk.StagedFile{Path: p, BlobDigest: req.Body.Digest, ContentType: ct,
		Package: name, Version: version, Metadata: fileMetadata(meta, name, version, t.fields())}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: name, Version: version, Metadata: raw}); err != nil {
		return nil, err
	}
	out, _ := json.Marshal(map[string]string{"package": name, "version": version, "path": p, "md5": md5})
	return &sdk.Response{Status: 201, Kind: sdk.BodyBytes, Bytes: out,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

// readDescription checks the archive's entry names and reads NAME/DESCRIPTION.
func readDescription(h sdk.Host, digest string, t Tree, name string) (Description, error) {
	kind := "a gzip-compressed tar archive"
	if t.Ext == ".zip" {
		kind = "a zip archive"
	}
	entries, err := h.ArchiveList(digest, t.archiveKind(), maxEntries)
	if err != nil {
		return nil, sdk.Errorf(400, "invalid package archive: not %s (or too large): %v", kind, err)
	}
	descPath := ""
	for _, e := range entries {
		n := strings.TrimPrefix(e.Name, "./")
		if n == "" || strings.HasPrefix(n, "/") || strings.Contains(n, "\\") || path.Clean(n) != strings.TrimSuffix(n, "/") ||
			strings.HasPrefix(n, "../") || n == ".." {
			return nil, sdk.Errorf(400, "invalid package archive: entry %q is not a clean relative path", e.Name)
		}
		if n != name && n != name+"/" && !strings.HasPrefix(n, name+"/") {
			return nil, sdk.Errorf(400, "invalid package archive: entry %q is outside the package directory %s/", e.Name, name)
		}
		if n == name+"/DESCRIPTION" {
			descPath = e.Name
		}
	}
	if descPath == "" {
		return nil, sdk.Errorf(400, "invalid package archive: no %s/DESCRIPTION", name)
	}
	b, err := h.ArchiveRead(digest, t.archiveKind(), descPath, maxDescription)
	if err != nil {
		return nil, sdk.Errorf(400, "invalid package archive: %s/DESCRIPTION: %v", name, err)
	}
	d, err := ParseDescription(b)
	if err != nil {
		return nil, sdk.Errorf(400, "invalid package: %v", err)
	}
	return d, nil
}
