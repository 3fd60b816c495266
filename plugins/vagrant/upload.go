package vagrant

import (
	"bytes"
	"encoding/json"
	"path"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Limits of an uploaded box and of a catalog description.
const (
	maxEntries     = 10_000
	maxMetadata    = 64 << 10
	maxDescription = 64 << 10
)

// boxMeta is a box file's metadata.json: "provider" is required
// (https://developer.hashicorp.com/vagrant/docs/boxes/format#box-metadata).
type boxMeta struct {
	Provider string `json:"provider"`
}

// upload checks a box (a tar archive, usually gzip-compressed, holding
// metadata.json whose provider matches the path) and stores it. A refused
// box is a 400 naming the problem and stores nothing.
func upload(h sdk.Host, req *sdk.Request, b box) (*sdk.Response, error) {
	if req.Body == nil || req.Body.Size == 0 {
		return fail(400, "a box upload needs a body"), nil
	}
	if f, err := h.GetFile(b.path()); err != nil {
		return nil, err
	} else if f != nil {
		return fail(409, "version "+b.version+" of "+b.pkg()+" already has a "+b.provider+" box"), nil
	}
	head, err := h.ReadBlob(req.Body.Digest, 0, 512)
	if err != nil {
		return nil, err
	}
	var kind sdk.ArchiveKind
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		kind = sdk.ArchiveTarGz
	case len(head) >= 262 && bytes.Equal(head[257:262], []byte("ustar")):
		kind = sdk.ArchiveTar
	default:
		return fail(400, "invalid box: a box must be a tar or tar.gz archive"), nil
	}
	entries, err := h.ArchiveList(req.Body.Digest, kind, maxEntries)
	if err != nil {
		return fail(400, "invalid box: "+err.Error()), nil
	}
	found := ""
	for _, e := range entries {
		n := strings.TrimPrefix(e.Name, "./")
		if n == "" && e.Name == "./" {
			continue
		}
		if n == "" || strings.HasPrefix(n, "/") || n == ".." || strings.HasPrefix(n, "../") ||
			path.Clean(n) != strings.TrimSuffix(n, "/") {
			return fail(400, "invalid box: entry "+quote(e.Name)+" is not a clean relative path"), nil
		}
		if n == "metadata.json" {
			found = e.Name
		}
	}
	if found == "" {
		return fail(400, "invalid box: no metadata.json at its root"), nil
	}
	raw, err := h.ArchiveRead(req.Body.Digest, kind, found, maxMetadata)
	if err != nil {
		return fail(400, "invalid box: metadata.json: "+err.Error()), nil
	}
	var m boxMeta
	if err := json.Unmarshal(raw, &m); err != nil {
		return fail(400, "invalid box: metadata.json is not valid JSON: "+err.Error()), nil
	}
	if m.Provider != b.provider {
		return fail(400, "invalid box: metadata.json names provider "+quote(m.Provider)+", the path "+quote(b.provider)), nil
	}
	if err := h.StageFile(sdk.StagedFile{Path: b.path(), BlobDigest: req.Body.Digest,
		ContentType: "application/octet-stream", Package: b.pkg(), Version: b.version, Metadata: boxMetadata(b)}); err != nil {
		return nil, err
	}
	return jsonResponse(201, provider{Name: b.provider, URL: req.Repo.BaseURL + "/" + b.path(),
		Checksum: req.Body.Digest, ChecksumType: "sha256"}, 0), nil
}

// describeBox sets the catalog's description: {"description": "…"}.
func describeBox(h sdk.Host, req *sdk.Request, pkg string) (*sdk.Response, error) {
	if req.Body == nil || req.Body.Size == 0 || req.Body.Size > maxDescription {
		return fail(400, "send {\"description\": \"…\"} of at most 64 KiB"), nil
	}
	raw, err := h.ReadBlob(req.Body.Digest, 0, uint32(req.Body.Size))
	if err != nil {
		return nil, err
	}
	var d struct {
		Description *string `json:"description"`
	}
	if err := json.Unmarshal(raw, &d); err != nil || d.Description == nil {
		return fail(400, "send {\"description\": \"…\"}"), nil
	}
	if err := h.KVPut(boxNS, pkg, []byte(*d.Description)); err != nil {
		return nil, err
	}
	return jsonResponse(200, map[string]string{"name": pkg, "description": *d.Description}, 0), nil
}
