package pypi

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"golang.org/x/crypto/blake2b"
)

// The file part is cut out of the upload body by the host (concat-ranges):
// its bytes never enter the plugin and only the host's body limit bounds it.
// blake2b is the one digest the host does not compute, so it is hashed here,
// in windows (flat memory): always for files up to blakeMaxBytes, for larger
// ones only when the client sent neither sha256 nor md5.
const (
	blakeMaxBytes = 4 << 20
	blakeWindow   = 1 << 20
)

// FileMeta is the metadata JSON stored with every distribution file.
type FileMeta struct {
	Name           string `json:"name"`
	Version        string `json:"version"`
	Filename       string `json:"filename"`
	PackageType    string `json:"packagetype"`
	PythonVersion  string `json:"python_version"`
	RequiresPython string `json:"requires_python,omitempty"`
	Summary        string `json:"summary,omitempty"`
	MD5            string `json:"md5,omitempty"`
	Blake2b256     string `json:"blake2b_256,omitempty"`
	// CoreMetadataSHA256 is the sha256 of the PEP 658 file staged beside it.
	CoreMetadataSHA256 string `json:"core_metadata_sha256,omitempty"`
	// SortKey is the file's place on the simple pages (sortkey.go), by
	// which the host sorts them; absent on files stored before it.
	SortKey string `json:"sort_key,omitempty"`
}

// uploadFields are the form fields the upload reads; others are skipped.
var uploadFields = map[string]bool{
	":action": true, "protocol_version": true, "name": true, "version": true, "filetype": true,
	"pyversion": true, "md5_digest": true, "sha256_digest": true, "blake2_256_digest": true,
	"requires_python": true, "metadata_version": true, "summary": true,
}

// filePath is where a distribution is stored (and downloaded from).
func filePath(norm, filename string) string { return "packages/" + norm + "/" + filename }

// upload handles the legacy upload API twine speaks: a multipart/form-data
// POST with ":action=file_upload", metadata fields and the file in "content".
// https://docs.pypi.org/api/upload/ (legacy "file_upload" API)
func upload(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Body == nil || req.Body.Size == 0 {
		return nil, sdk.Errorf(400, "upload has no body")
	}
	boundary, err := Boundary(req.Header("Content-Type"))
	if err != nil {
		return nil, sdk.Errorf(400, "%s", err)
	}
	form, err := ParseForm(h, req.Body.Digest, req.Body.Size, boundary, uploadFields, "", 0)
	if err != nil {
		return nil, sdk.Errorf(400, "%s", err)
	}
	v := form.Values
	if a := v[":action"]; a != "file_upload" {
		return nil, sdk.Errorf(400, "unsupported :action %q (only file_upload)", a)
	}
	if pv := v["protocol_version"]; pv != "" && pv != "1" {
		return nil, sdk.Errorf(400, "unsupported protocol_version %q", pv)
	}
	content, ok := form.Files["content"]
	if !ok {
		return nil, sdk.Errorf(400, "upload lacks the file part \"content\"")
	}
	name, version := strings.TrimSpace(v["name"]), strings.TrimSpace(v["version"])
	if !validName(name) {
		return nil, sdk.Errorf(400, "invalid or missing project name %q", name)
	}
	if !validVersion(version) {
		return nil, sdk.Errorf(400, "invalid or missing version %q", version)
	}
	norm := Normalize(name)
	dist, err := ParseFilename(content.Filename)
	if err != nil {
		return nil, sdk.Errorf(400, "%s", err)
	}
	if Normalize(dist.Name) != norm {
		return nil, sdk.Errorf(400, "filename %s does not belong to project %s", dist.Filename, name)
	}
	if !sameVersion(dist.Version, version) {
		return nil, sdk.Errorf(400, "filename %s does not match version %s", dist.Filename, version)
	}
	if ft := v["filetype"]; ft != "" && ft != dist.PackageType {
		return nil, sdk.Errorf(400, "filetype %q does not match file %s", ft, dist.Filename)
	}
	if content.Size == 0 {
		return nil, sdk.Errorf(400, "file %s is empty", dist.Filename)
	}
	dst := filePath(norm, dist.Filename)
	if f, err := h.GetFile(dst); err != nil {
		return nil, err
	} else if f != nil {
		// 409 is what twine's --skip-existing recognizes besides PyPI's 400.
		return nil, sdk.Errorf(409, "File already exists: %s", dist.Filename)
	}
	stored, err := sdk.ConcatRanges(h, []sdk.BlobRange{{Digest: req.Body.Digest, Offset: content.Offset, Length: content.Size}})
	if err != nil {
		return nil, fmt.Errorf("pypi: store %s: %w", dist.Filename, err)
	}
	return indexDist(h, distUpload{dist: dist, name: name, norm: norm, version: version, digest: stored.Digest, md5: stored.MD5, size: content.Size, fields: v})
}

// distUpload is a distribution file stored as a blob, about to be indexed.
type distUpload struct {
	dist                Dist
	name, norm, version string // as declared, normalized
	digest, md5         string // md5 "" when the host did not compute it
	size                uint64
	// fields are the upload form's (declared digests, pyversion,
	// requires_python); empty for a deploy by path.
	fields map[string]string
}

// indexDist checks the declared digests and the file's own core metadata
// against the name and version, then stages the file, its PEP 658
// metadata and the version.
func indexDist(h sdk.Host, u distUpload) (*sdk.Response, error) {
	v, dist, norm, version, digest, md5sum := u.fields, u.dist, u.norm, u.version, u.digest, u.md5
	dst := filePath(norm, dist.Filename)
	var err error
	if md5sum == "" {
		if md5sum, err = h.Hash(sdk.MD5, sdk.Source{Blob: digest}); err != nil {
			return nil, fmt.Errorf("pypi: md5: %w", err)
		}
	}
	blake := ""
	if u.size <= blakeMaxBytes || v["sha256_digest"] == "" && v["md5_digest"] == "" {
		if blake, err = blake2b256(h, digest, u.size); err != nil {
			return nil, err
		}
	}
	for _, c := range []struct{ field, got string }{
		{"sha256_digest", digest}, {"md5_digest", md5sum}, {"blake2_256_digest", blake},
	} {
		if want := strings.ToLower(strings.TrimSpace(v[c.field])); want != "" && c.got != "" && want != c.got {
			return nil, sdk.Errorf(400, "%s %s does not match the uploaded file (%s)", c.field, want, c.got)
		}
	}
	metaBytes, err := readCoreMetadata(h, digest, dist)
	if err != nil {
		return nil, sdk.Errorf(400, "%s", err)
	}
	cm, err := ParseCoreMetadata(metaBytes)
	if err != nil {
		return nil, sdk.Errorf(400, "%s: %s", dist.Filename, err)
	}
	if Normalize(cm.Name) != norm || !sameVersion(cm.Version, version) {
		return nil, sdk.Errorf(400, "%s: metadata says %s %s, upload says %s %s", dist.Filename, cm.Name, cm.Version, u.name, version)
	}
	meta := FileMeta{Name: cm.Name, Version: version, Filename: dist.Filename, PackageType: dist.PackageType,
		PythonVersion: v["pyversion"], RequiresPython: cm.RequiresPython, Summary: cm.Summary, MD5: md5sum, Blake2b256: blake}
	if meta.PythonVersion == "" {
		meta.PythonVersion = dist.PythonTag
	}
	if meta.RequiresPython == "" {
		meta.RequiresPython = strings.TrimSpace(v["requires_python"])
	}
	if dist.PackageType == "bdist_wheel" {
		// PEP 658: serve the wheel's METADATA beside it as <file>.metadata.
		md, err := h.PutBlob(metaBytes)
		if err != nil {
			return nil, fmt.Errorf("pypi: store metadata: %w", err)
		}
		meta.CoreMetadataSHA256 = md
		if err := h.StageFile(sdk.StagedFile{Path: dst + ".metadata", BlobDigest: md, ContentType: "text/plain; charset=utf-8",
			Package: norm, Version: version, Metadata: []byte(`{"core_metadata":true}`)}); err != nil {
			return nil, err
		}
	}
	if k, ok := sortKey(&meta); ok && !strings.Contains(dst, "&") {
		meta.SortKey = k
	}
	mj := marshal(meta)
	// Wheels are zips and sdists gzipped tars; unpacked, the scanners read
	// their METADATA / PKG-INFO as installed packages.
	layout := sdk.ScanLayout{Unpack: sdk.ScanZip, Mode: sdk.ScanRootfs}
	if dist.PackageType != "bdist_wheel" {
		layout.Unpack = sdk.ScanTarGz
	}
	mj = sdk.WithScan(mj, layout)
	if err := h.StageFile(sdk.StagedFile{Path: dst, BlobDigest: digest, ContentType: "application/octet-stream",
		Package: norm, Version: version, Metadata: mj}); err != nil {
		return nil, err
	}
	vj, _ := json.Marshal(map[string]string{"name": cm.Name, "summary": cm.Summary, "requires_python": meta.RequiresPython})
	if err := h.StageVersion(sdk.VersionPut{Package: norm, Version: version, Metadata: vj}); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: []byte("OK\n"),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}}, nil
}

// blake2b256 hashes a stored blob in windows.
func blake2b256(h sdk.Host, digest string, size uint64) (string, error) {
	sum, _ := blake2b.New256(nil)
	for off := uint64(0); off < size; {
		b, err := h.ReadBlob(digest, off, uint32(min(size-off, blakeWindow)))
		if err != nil {
			return "", fmt.Errorf("pypi: blake2b: %w", err)
		}
		if len(b) == 0 {
			return "", sdk.Errorf(400, "upload body ends early")
		}
		sum.Write(b)
		off += uint64(len(b))
	}
	return hex.EncodeToString(sum.Sum(nil)), nil
}
