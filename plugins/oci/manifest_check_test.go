package oci_test

import (
	"encoding/json"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// TestManifestRefusedAgainstImageSpec mutates the manifest crane pushed
// (testdata/crane-oci-manifest.json) the ways a fuzzer found accepted: a
// schemaVersion other than 2, descriptor sizes that differ from the stored
// blob's size; each is a 400 MANIFEST_INVALID and nothing is stored.
func TestManifestRefusedAgainstImageSpec(t *testing.T) {
	raw := fixture(t, "crane-oci-manifest.json")
	mutate := func(fn func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		fn(m)
		b, _ := json.Marshal(m)
		return b
	}
	config := func(m map[string]any) map[string]any { return m["config"].(map[string]any) }
	layer := func(m map[string]any) map[string]any { return m["layers"].([]any)[0].(map[string]any) }
	cases := map[string][]byte{
		"schemaVersion 1":      mutate(func(m map[string]any) { m["schemaVersion"] = 1 }),
		"schemaVersion null":   mutate(func(m map[string]any) { m["schemaVersion"] = nil }),
		"schemaVersion absent": mutate(func(m map[string]any) { delete(m, "schemaVersion") }),
		"schemaVersion 3":      mutate(func(m map[string]any) { m["schemaVersion"] = 3 }),
		"config.size -1":       mutate(func(m map[string]any) { config(m)["size"] = -1 }),
		"config.size 0":        mutate(func(m map[string]any) { config(m)["size"] = 0 }),
		"config.size +1":       mutate(func(m map[string]any) { config(m)["size"] = config(m)["size"].(float64) + 1 }),
		"layer size -1":        mutate(func(m map[string]any) { layer(m)["size"] = -1 }),
		"layer size 1":         mutate(func(m map[string]any) { layer(m)["size"] = 1 }),
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			for _, d := range descriptorsOf(t, raw) {
				p := "fx/oci/blobs/" + d.Digest
				e.h.Files[p] = sdk.File{Path: p, BlobDigest: e.h.AddBlob([]byte(d.Digest)), Size: d.Size}
			}
			r := e.do("PUT", "/fx/oci/manifests/1", "", body, "Content-Type", "application/vnd.oci.image.manifest.v1+json")
			if r.Status != 400 || errCode(r) != "MANIFEST_INVALID" {
				t.Fatalf("%d %s", r.Status, r.Bytes)
			}
			for p := range e.h.Files {
				if strings.Contains(p, "/manifests/") {
					t.Fatalf("stored %s", p)
				}
			}
			if len(e.h.KV) != 0 {
				t.Fatalf("tagged: %v", e.h.KV)
			}
		})
	}
	t.Run("intact", func(t *testing.T) {
		e := newEnv(t)
		for _, d := range descriptorsOf(t, raw) {
			p := "fx/oci/blobs/" + d.Digest
			e.h.Files[p] = sdk.File{Path: p, BlobDigest: e.h.AddBlob([]byte(d.Digest)), Size: d.Size}
		}
		if r := e.do("PUT", "/fx/oci/manifests/1", "", raw, "Content-Type", "application/vnd.oci.image.manifest.v1+json"); r.Status != 201 {
			t.Fatalf("%d %s", r.Status, r.Bytes)
		}
	})
}

// TestIndexChildSizeChecked: an index whose child descriptor's size differs
// from the stored manifest's is refused.
func TestIndexChildSizeChecked(t *testing.T) {
	e := newEnv(t)
	d, m := e.pushImage("app", "1", nil)
	index := func(size int) []byte {
		b, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
			"manifests": []any{map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d, "size": size}}})
		return b
	}
	ct := "application/vnd.oci.image.index.v1+json"
	if r := e.do("PUT", "/app/manifests/idx", "", index(len(m)+1), "Content-Type", ct); r.Status != 400 || errCode(r) != "MANIFEST_INVALID" {
		t.Fatalf("wrong child size: %d %s", r.Status, r.Bytes)
	}
	if r := e.do("PUT", "/app/manifests/idx", "", index(len(m)), "Content-Type", ct); r.Status != 201 {
		t.Fatalf("right child size: %d %s", r.Status, r.Bytes)
	}
}
