package oci_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// layoutImage is one image as Artifactory lays it out: its config and
// layer as sha256__ files and its manifest.
func layoutImage(tag string) (cfg, layer, manifest []byte, files map[string][]byte) {
	cfg = []byte(`{"architecture":"amd64","os":"linux","tag":"` + tag + `"}`)
	layer = []byte("layer-bytes-" + tag)
	manifest, _ = json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(cfg), "size": len(cfg)},
		"layers": []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha(layer), "size": len(layer)}}})
	files = map[string][]byte{
		"web/" + tag + "/manifest.json":    manifest,
		"web/" + tag + "/" + blobName(cfg): cfg, "web/" + tag + "/" + blobName(layer): layer,
	}
	return cfg, layer, manifest, files
}

func blobName(b []byte) string { return "sha256__" + strings.TrimPrefix(sha(b), "sha256:") }

func (e *env) deploy(path string, body []byte) (int, string) {
	e.t.Helper()
	r := e.do("PUT", "/-/deploy/"+path, "", body, "Content-Type", "application/octet-stream")
	return r.Status, string(r.Bytes)
}

// A manifest deployed before its blobs answers 424 (the import retries it
// after the repository's other files); once they are in, it is stored and
// tagged exactly as a push stores it, scan layout included; a second
// deploy of any file answers 409 (skipped).
func TestDeployImageLayout(t *testing.T) {
	e := newEnv(t)
	cfg, layer, manifest, _ := layoutImage("1.0")
	if st, body := e.deploy("web/1.0/manifest.json", manifest); st != 424 || !strings.Contains(body, "MANIFEST_BLOB_UNKNOWN") {
		t.Fatalf("manifest before its blobs: %d %s", st, body)
	}
	if _, ok, _ := e.h.KVGet("tags", "web:1.0"); ok {
		t.Fatal("the refused manifest was tagged")
	}
	for _, b := range [][]byte{cfg, layer} {
		if st, body := e.deploy("web/1.0/"+blobName(b), b); st != 201 {
			t.Fatalf("blob: %d %s", st, body)
		}
	}
	if st, body := e.deploy("web/1.0/manifest.json", manifest); st != 201 {
		t.Fatalf("manifest: %d %s", st, body)
	}
	r := e.do("GET", "/web/manifests/1.0", "", nil)
	if r.Status != 200 || header(r, "Docker-Content-Digest") != sha(manifest) || header(r, "Content-Type") != "application/vnd.oci.image.manifest.v1+json" {
		t.Fatalf("GET web:1.0: %d %v", r.Status, r.Headers)
	}
	if r := e.do("HEAD", "/web/blobs/"+sha(layer), "", nil); r.Status != 200 {
		t.Fatalf("HEAD layer: %d", r.Status)
	}
	deployed, _ := e.h.GetFile("web/manifests/" + sha(manifest))

	// The same image pushed through the distribution API gets the same metadata.
	p := newEnv(t)
	p.pushBlob("web", cfg)
	p.pushBlob("web", layer)
	if r := p.do("PUT", "/web/manifests/1.0", "", manifest, "Content-Type", "application/vnd.oci.image.manifest.v1+json"); r.Status != 201 {
		t.Fatalf("push: %d %s", r.Status, r.Bytes)
	}
	pushed, _ := p.h.GetFile("web/manifests/" + sha(manifest))
	if deployed == nil || pushed == nil || string(deployed.Metadata) != string(pushed.Metadata) || deployed.Package != pushed.Package ||
		!strings.Contains(string(deployed.Metadata), `"scan"`) {
		t.Fatalf("deployed %+v, pushed %+v", deployed, pushed)
	}

	for _, path := range []string{"web/1.0/manifest.json", "web/1.0/" + blobName(layer)} {
		body := manifest
		if !strings.HasSuffix(path, ".json") {
			body = layer
		}
		if st, msg := e.deploy(path, body); st != 409 || !strings.Contains(msg, "stored already") {
			t.Fatalf("second deploy of %s: %d %s", path, st, msg)
		}
	}
}

// A blob is stored only when its bytes hash to the digest of its name; a
// manifest in a sha256__ folder only when it has that digest.
func TestDeployChecksDigests(t *testing.T) {
	e := newEnv(t)
	cfg, layer, manifest, _ := layoutImage("2.0")
	st, body := e.deploy("web/2.0/"+blobName(cfg), layer)
	if st != 400 || !strings.Contains(body, "DIGEST_INVALID") || !strings.Contains(body, "hash to "+sha(layer)) {
		t.Fatalf("blob under another digest: %d %s", st, body)
	}
	if f, _ := e.h.GetFile("web/blobs/" + sha(cfg)); f != nil {
		t.Fatal("a mismatched blob was stored")
	}
	e.deploy("web/2.0/"+blobName(cfg), cfg)
	e.deploy("web/2.0/"+blobName(layer), layer)
	if st, body := e.deploy("web/"+blobName(cfg)+"/manifest.json", manifest); st != 400 || !strings.Contains(body, "DIGEST_INVALID") {
		t.Fatalf("manifest in another digest's folder: %d %s", st, body)
	}
	if st, body := e.deploy("web/"+blobName(manifest)+"/manifest.json", manifest); st != 201 {
		t.Fatalf("manifest by digest: %d %s", st, body)
	}
	if _, ok, _ := e.h.KVGet("tags", "web:"+blobName(manifest)); ok {
		t.Fatal("a manifest by digest was tagged")
	}
	for path, want := range map[string]int{
		"web/2.0/readme.txt":                     400, // not an image file
		"web/2.0/sha256__abc":                    400, // no digest
		"web/_uploads/0a1b/manifest.json":        409, // an unfinished upload: skipped
		"Web/2.0/manifest.json":                  400, // not a repository name
		"web/manifest.json":                      400, // no tag folder
		"web/" + strings.Repeat("t", 129) + "/x": 400,
	} {
		if st, body := e.deploy(path, manifest); st != want {
			t.Errorf("%s: %d %s, want %d", path, st, body, want)
		}
	}
	if r := e.do("GET", "/-/deploy/web/2.0/manifest.json", "", nil); r.Status != 405 {
		t.Fatalf("GET of a deploy path: %d", r.Status)
	}
}

// An index waits (424) for its platform manifests, deployed by digest.
func TestDeployIndex(t *testing.T) {
	e := newEnv(t)
	cfg, layer, manifest, _ := layoutImage("3.0")
	index, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
		"manifests": []any{map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(manifest), "size": len(manifest),
			"platform": map[string]string{"os": "linux", "architecture": "amd64"}}}})
	if st, body := e.deploy("web/3.0/list.manifest.json", index); st != 424 {
		t.Fatalf("index before its platforms: %d %s", st, body)
	}
	e.deploy("web/3.0/"+blobName(cfg), cfg)
	e.deploy("web/3.0/"+blobName(layer), layer)
	if st, body := e.deploy("web/"+blobName(manifest)+"/manifest.json", manifest); st != 201 {
		t.Fatalf("platform manifest: %d %s", st, body)
	}
	if st, body := e.deploy("web/3.0/list.manifest.json", index); st != 201 {
		t.Fatalf("index: %d %s", st, body)
	}
	if r := e.do("GET", "/web/manifests/3.0", "", nil); header(r, "Docker-Content-Digest") != sha(index) ||
		header(r, "Content-Type") != "application/vnd.oci.image.index.v1+json" {
		t.Fatalf("GET web:3.0: %d %v", r.Status, r.Headers)
	}
}

// The deploy prefix cannot be taken for a distribution route, nor the
// reverse: the tag "manifests" of the image web deploys as that tag, while
// a push to /web/manifests/manifest.json still tags "manifest.json".
func TestDeployPathIsUnambiguous(t *testing.T) {
	e := newEnv(t)
	cfg, layer, manifest, _ := layoutImage("manifests")
	e.deploy("web/manifests/"+blobName(cfg), cfg)
	e.deploy("web/manifests/"+blobName(layer), layer)
	if st, body := e.deploy("web/manifests/manifest.json", manifest); st != 201 {
		t.Fatalf("deploy of web:manifests: %d %s", st, body)
	}
	got := map[string]bool{}
	for _, tag := range []string{"manifests", "manifest.json"} {
		_, got[tag], _ = e.h.KVGet("tags", "web:"+tag)
	}
	if !reflect.DeepEqual(got, map[string]bool{"manifests": true, "manifest.json": false}) {
		t.Fatalf("tags after the deploy: %v", got)
	}
	r := e.do("PUT", "/web/manifests/manifest.json", "", manifest, "Content-Type", "application/vnd.oci.image.manifest.v1+json")
	if r.Status != 201 {
		t.Fatalf("push of the tag manifest.json: %d %s", r.Status, r.Bytes)
	}
	if _, ok, _ := e.h.KVGet("tags", "web:manifest.json"); !ok {
		t.Fatal("the push did not tag manifest.json")
	}
	// No image name starts with "-": the prefix is never a name.
	if r := e.do("PUT", "/-/manifests/1.0", "", manifest, "Content-Type", "application/vnd.oci.image.manifest.v1+json"); r.Status != 400 {
		t.Fatalf("push to the name -: %d %s", r.Status, r.Bytes)
	}
}
