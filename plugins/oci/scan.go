package oci

import (
	"bytes"
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// scanLayout is the reserved "scan" member of a manifest file's metadata:
// it asks the host to assemble an OCI image layout from the manifest and
// the blobs it names and to scan it as an image (core/scan.Layout,
// documented with the staged-file record in wit/keeper-format.wit).
type scanLayout struct {
	Unpack    string   `json:"unpack"`
	Mode      string   `json:"mode"`
	MediaType string   `json:"media_type"`
	Blobs     []string `json:"blobs"`
	// BlobBase is where the blobs are, relative to the manifest's path
	// (NAME/manifests/REF → NAME/blobs/DIGEST): a remote repository
	// fetches those no client pulled, so the image is scanned whole.
	BlobBase string `json:"blob_base"`
}

// maxScanBlobs matches the host's bound on the blobs one layout names.
const maxScanBlobs = 1024

// Image config media types: a manifest with another config (Helm charts,
// signatures, ORAS artifacts) is not a container image and is not scanned.
var imageConfigTypes = map[string]bool{
	"application/vnd.oci.image.config.v1+json":       true,
	"application/vnd.docker.container.image.v1+json": true,
}

// imageScan returns the scan layout of an image manifest: its config and
// layers, all sha256 (the host stores content by sha256) and all tar
// layers, else nil. Indexes (multi-platform images) get none: each
// platform's manifest is pushed on its own and scanned as its own image.
func imageScan(m *manifestDoc, mediaType string) *scanLayout {
	if mediaType != mediaOCIManifest && mediaType != mediaDockerImage {
		return nil
	}
	if m.Config == nil || !imageConfigTypes[m.Config.MediaType] || len(m.Layers) == 0 || len(m.Layers)+1 > maxScanBlobs {
		return nil
	}
	for _, d := range m.Layers {
		if !strings.Contains(d.MediaType, "tar") || nonDistributable(d.MediaType) {
			return nil
		}
	}
	l := &scanLayout{Unpack: "image-layout", Mode: "image", MediaType: mediaType, BlobBase: "../blobs/"}
	for _, d := range append([]descriptor{*m.Config}, m.Layers...) {
		if alg, _, ok := parseDigest(d.Digest); !ok || alg != "sha256" {
			return nil
		}
		l.Blobs = append(l.Blobs, d.Digest)
	}
	return l
}

// noScan describes a blob: not scanned on its own.
var noScan = []byte(`{"scan":false}`)

var _ sdk.MetadataParser = Plugin{}

// sniffBytes is how much of a blob ParseMetadata reads first: a manifest is
// a JSON object, a layer (gzip, tar, zstd) is not.
const sniffBytes = 64

// ParseMetadata implements sdk.MetadataParser. The host asks it about
// content a remote (pull-through) repository cached from its upstream,
// which no push staged: an image manifest (by tag or digest) answers the
// same "scan" member a pushed one gets, so the host scans the pulled
// image once its blobs are cached too; a blob (a layer, a config) answers
// "scan": false: it is scanned with the image that names it, not on its
// own as the archive it is; other manifests (indexes, artifacts) answer
// {}. The name is not needed: blobs and manifests by digest are named
// alike.
func (Plugin) ParseMetadata(h sdk.Host, digest, _ string) ([]byte, error) {
	head, err := h.ReadBlob(digest, 0, sniffBytes)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return noScan, nil
	}
	raw, err := h.ReadBlob(digest, 0, maxManifestBytes+1)
	if err != nil {
		return nil, err
	}
	var m manifestDoc
	if len(raw) > maxManifestBytes || json.Unmarshal(raw, &m) != nil || m.SchemaVersion != 2 {
		return noScan, nil
	}
	mediaType := m.MediaType
	if mediaType == "" && m.Config != nil && m.Manifests == nil {
		// The OCI manifest's mediaType is only a SHOULD
		// (https://github.com/opencontainers/image-spec/blob/main/manifest.md#image-manifest-property-descriptions).
		mediaType = mediaOCIManifest
	}
	return json.Marshal(manifestMeta{Scan: imageScan(&m, mediaType)})
}
