package oci_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/oci"
)

// manifestScan returns the "scan" member of a stored manifest's metadata.
func (e *env) manifestScan(image, digest string) map[string]any {
	e.t.Helper()
	f, ok := e.h.Files[image+"/manifests/"+digest]
	if !ok {
		e.t.Fatalf("manifest %s not stored", digest)
	}
	var m struct {
		Scan map[string]any `json:"scan"`
	}
	if err := json.Unmarshal(f.Metadata, &m); err != nil {
		e.t.Fatalf("metadata %s: %v", f.Metadata, err)
	}
	return m.Scan
}

// An image manifest asks the host to scan it as an OCI layout of its
// config and layers; indexes and non-image artifacts ask for nothing.
func TestManifestScanLayout(t *testing.T) {
	e := newEnv(t)
	d, raw := e.pushImage("app", "v1", nil)
	var m struct {
		Config struct{ Digest string }
		Layers []struct{ Digest string }
	}
	_ = json.Unmarshal(raw, &m)
	s := e.manifestScan("app", d)
	blobs, _ := s["blobs"].([]any)
	if s["unpack"] != "image-layout" || s["mode"] != "image" || s["media_type"] != "application/vnd.oci.image.manifest.v1+json" ||
		len(blobs) != 2 || blobs[0] != m.Config.Digest || blobs[1] != m.Layers[0].Digest {
		t.Fatalf("image scan layout %v (manifest %s)", s, raw)
	}

	// A Helm chart (or any artifact whose config is no image config).
	chart := []byte(`{"name":"demo"}`)
	content := []byte("chart-tgz")
	art, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.cncf.helm.config.v1+json", "digest": e.pushBlob("chart", chart), "size": len(chart)},
		"layers": []any{map[string]any{"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip", "digest": e.pushBlob("chart", content), "size": len(content)}}})
	if r := e.do("PUT", "/chart/manifests/1.0.0", "", art, "Content-Type", "application/vnd.oci.image.manifest.v1+json"); r.Status != 201 {
		t.Fatalf("push chart: %d %s", r.Status, r.Bytes)
	}
	if s := e.manifestScan("chart", sha(art)); s != nil {
		t.Fatalf("chart scan layout %v", s)
	}

	// A multi-platform index: its platform manifests are scanned, not it.
	idx, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
		"manifests": []any{map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d, "size": len(raw),
			"platform": map[string]any{"os": "linux", "architecture": "amd64"}}}})
	if r := e.do("PUT", "/app/manifests/multi", "", idx, "Content-Type", "application/vnd.oci.image.index.v1+json"); r.Status != 201 {
		t.Fatalf("push index: %d %s", r.Status, r.Bytes)
	}
	if s := e.manifestScan("app", sha(idx)); s != nil {
		t.Fatalf("index scan layout %v", s)
	}
}

// A manifest a remote repository cached is described by its content: an
// image manifest gets the layout a pushed one gets, saying where its blobs
// are; its layers and its config are not scanned on their own; an index
// gets none.
func TestParseMetadataOfCachedContent(t *testing.T) {
	e := newEnv(t)
	d, raw := e.pushImage("app", "v1", nil)
	var m struct {
		Config struct{ Digest string }
		Layers []struct{ Digest string }
	}
	_ = json.Unmarshal(raw, &m)
	describe := func(digest string) string {
		t.Helper()
		out, err := oci.Plugin{}.ParseMetadata(e.h, strings.TrimPrefix(digest, "sha256:"), "1")
		if err != nil {
			t.Fatalf("ParseMetadata(%s): %v", digest, err)
		}
		return string(out)
	}
	var stored struct {
		Scan json.RawMessage `json:"scan"`
	}
	_ = json.Unmarshal(e.h.Files["app/manifests/"+d].Metadata, &stored)
	pushed := `{"scan":` + string(stored.Scan) + `}`
	if got := describe(d); len(stored.Scan) == 0 || got != pushed {
		t.Fatalf("cached manifest %s, want the pushed one's %s", got, pushed)
	}
	// Without a mediaType (a SHOULD for OCI manifests) it is still an image.
	var doc map[string]any
	_ = json.Unmarshal(raw, &doc)
	delete(doc, "mediaType")
	bare, _ := json.Marshal(doc)
	if got := describe(e.h.AddBlob(bare)); !strings.Contains(got, `"media_type":"application/vnd.oci.image.manifest.v1+json"`) {
		t.Fatalf("manifest without mediaType: %s", got)
	}
	idx, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
		"manifests": []any{map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d, "size": len(raw)}}})
	if got := describe(e.h.AddBlob(idx)); got != `{}` {
		t.Fatalf("index: %s, want {}", got)
	}
	// Blobs are scanned with their image, not on their own.
	for name, digest := range map[string]string{"layer": m.Layers[0].Digest, "config": m.Config.Digest,
		"not JSON": e.h.AddBlob([]byte("\x1f\x8b gzip"))} {
		if got := describe(digest); got != `{"scan":false}` {
			t.Fatalf("%s: %s, want {\"scan\":false}", name, got)
		}
	}
	if !strings.Contains(pushed, `"blob_base":"../blobs/"`) {
		t.Fatalf("the image layout does not say where its blobs are: %s", pushed)
	}
}
