package oci_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

type blobRef struct {
	Digest string
	Size   uint64
}

// descriptorsOf returns the blobs a fixture manifest names.
func descriptorsOf(t *testing.T, raw []byte) []blobRef {
	var m struct {
		Config blobRef   `json:"config"`
		Layers []blobRef `json:"layers"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return append([]blobRef{m.Config}, m.Layers...)
}

func fixture(t *testing.T, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGoldenFromRealClients pushes the manifests crane and oras produced
// (their blobs staged as files), serves them back byte for byte under the
// digest the client computed, and renders the tag list and referrers index.
func TestGoldenFromRealClients(t *testing.T) {
	e := newEnv(t)
	for _, fx := range []struct{ file, image, tag, mediaType string }{
		{"crane-docker-manifest.json", "fx/docker", "1", "application/vnd.docker.distribution.manifest.v2+json"},
		{"crane-oci-manifest.json", "fx/oci", "1", "application/vnd.oci.image.manifest.v1+json"},
		{"oras-artifact-manifest.json", "fx/art", "v1", "application/vnd.oci.image.manifest.v1+json"},
		{"oras-attach-manifest.json", "fx/art", "", "application/vnd.oci.image.manifest.v1+json"},
	} {
		raw := fixture(t, fx.file)
		for _, d := range descriptorsOf(t, raw) {
			p := fx.image + "/blobs/" + d.Digest
			e.h.Files[p] = sdk.File{Path: p, BlobDigest: e.h.AddBlob([]byte(d.Digest)), Size: d.Size}
		}
		ref := fx.tag
		if ref == "" {
			ref = sha(raw)
		}
		r := e.do("PUT", "/"+fx.image+"/manifests/"+ref, "", raw, "Content-Type", fx.mediaType)
		if r.Status != 201 || header(r, "Docker-Content-Digest") != sha(raw) {
			t.Fatalf("%s: %d %s %v", fx.file, r.Status, r.Bytes, r.Headers)
		}
		got := e.do("GET", "/"+fx.image+"/manifests/"+ref, "", nil)
		f := e.h.Files[got.Target]
		if !bytes.Equal(e.h.Blobs[f.BlobDigest], raw) || f.ContentType != fx.mediaType {
			t.Fatalf("%s served differently: %q %s", fx.file, got.Target, f.ContentType)
		}
	}
	e.do("PUT", "/fx/art/manifests/v2", "", fixture(t, "oras-artifact-manifest.json"),
		"Content-Type", "application/vnd.oci.image.manifest.v1+json")
	plugintest.Golden(t, "golden/tags-fx-art.json", e.do("GET", "/fx/art/tags/list", "", nil).Bytes)
	subject := sha(fixture(t, "oras-artifact-manifest.json"))
	plugintest.Golden(t, "golden/referrers-fx-art.json", e.do("GET", "/fx/art/referrers/"+subject, "", nil).Bytes)
	plugintest.Golden(t, "golden/referrers-fx-art-filtered.json", e.do("GET", "/fx/art/referrers/"+subject, "artifactType=application/none", nil).Bytes)
}
