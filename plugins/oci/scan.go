package oci

import "strings"

// scanLayout is the reserved "scan" member of a manifest file's metadata:
// it asks the host to assemble an OCI image layout from the manifest and
// the blobs it names and to scan it as an image (core/scan.Layout,
// documented with the staged-file record in wit/keeper-format.wit).
type scanLayout struct {
	Unpack    string   `json:"unpack"`
	Mode      string   `json:"mode"`
	MediaType string   `json:"media_type"`
	Blobs     []string `json:"blobs"`
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
	l := &scanLayout{Unpack: "image-layout", Mode: "image", MediaType: mediaType}
	for _, d := range append([]descriptor{*m.Config}, m.Layers...) {
		if alg, _, ok := parseDigest(d.Digest); !ok || alg != "sha256" {
			return nil
		}
		l.Blobs = append(l.Blobs, d.Digest)
	}
	return l
}
