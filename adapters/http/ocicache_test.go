package http_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// TestOCIManifestsFromHostCache runs the real oci.wasm behind the
// dispatcher: a pushed tag is also a stored file (plugins/oci tagfiles.go),
// so manifest GETs and HEADs by tag, like those by digest and blob GETs,
// never reach the plugin (the fast path), also right after the tag moves;
// all of them carry Docker-Content-Digest, and a client holding the ETag
// gets 304. (A tag stored without its file, before tag files existed,
// reaches the plugin once per generation: plugins/oci
// TestTagWithoutFileStillServed.)
func TestOCIManifestsFromHostCache(t *testing.T) {
	e := newPlugEnv(t)
	if _, err := e.mgr.Get("oci"); err != nil {
		t.Skip("oci plugin not built")
	}
	repo := ports.Repository{Key: "docker", Name: "docker", Format: "oci", Type: ports.RepoLocal, IsPublic: true, Config: map[string]string{}}
	if err := e.store.CreateRepository(t.Context(), &repo); err != nil {
		t.Fatal(err)
	}
	digest := func(b []byte) string { s := sha256.Sum256(b); return "sha256:" + hex.EncodeToString(s[:]) }
	config := []byte(`{"architecture":"amd64","os":"linux"}`)
	resp, body := e.req("POST", "/v2/docker/app/blobs/uploads/?digest="+digest(config), e.token, bytes.NewReader(config),
		"Content-Type", "application/octet-stream")
	e.want(resp, body, http.StatusCreated)
	push := func(tag, annotation string) (string, []byte) {
		t.Helper()
		m := []byte(fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",`+
			`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":%q,"size":%d},"layers":[],`+
			`"annotations":{"n":%q}}`, digest(config), len(config), annotation))
		resp, body := e.req("PUT", "/v2/docker/app/manifests/"+tag, e.token, bytes.NewReader(m),
			"Content-Type", "application/vnd.oci.image.manifest.v1+json")
		e.want(resp, body, http.StatusCreated)
		return digest(m), m
	}
	d1, m1 := push("v1", "one")
	calls := func() int64 {
		p, err := e.mgr.Get("oci")
		if err != nil {
			t.Fatal(err)
		}
		return p.Stats.Calls
	}
	check := func(what string, resp *http.Response, body, want []byte, dg string) {
		t.Helper()
		e.want(resp, body, http.StatusOK)
		if !bytes.Equal(body, want) || resp.Header.Get("Docker-Content-Digest") != dg {
			t.Fatalf("%s: body %q, Docker-Content-Digest %q (want %s)", what, body, resp.Header.Get("Docker-Content-Digest"), dg)
		}
	}

	base := calls()
	var etag string
	for i := range 3 {
		resp, body := e.req("GET", "/v2/docker/app/manifests/v1", "", nil)
		check("GET by tag", resp, body, m1, d1)
		if resp.Header.Get("Content-Type") != "application/vnd.oci.image.manifest.v1+json" {
			t.Fatalf("GET by tag %d: Content-Type %q", i, resp.Header.Get("Content-Type"))
		}
		etag = resp.Header.Get("ETag")
	}
	if got := calls() - base; got != 0 {
		t.Fatalf("three GETs by tag called the plugin %d times, want 0", got)
	}
	resp, body = e.req("GET", "/v2/docker/app/manifests/v1", "", nil, "If-None-Match", etag)
	e.want(resp, body, http.StatusNotModified)
	for range 2 {
		resp, body = e.req("HEAD", "/v2/docker/app/manifests/v1", "", nil)
		check("HEAD by tag", resp, body, nil, d1)
	}
	resp, body = e.req("HEAD", "/v2/docker/app/manifests/v1", "", nil, "If-None-Match", etag)
	e.want(resp, body, http.StatusNotModified)
	resp, body = e.req("GET", "/v2/docker/app/manifests/"+d1, "", nil)
	check("GET by digest", resp, body, m1, d1)
	resp, body = e.req("GET", "/v2/docker/app/manifests/"+d1, "", nil, "If-None-Match", etag)
	e.want(resp, body, http.StatusNotModified)
	resp, body = e.req("GET", "/v2/docker/app/blobs/"+digest(config), "", nil)
	check("blob GET", resp, body, config, digest(config))
	resp, body = e.req("HEAD", "/v2/docker/app/blobs/"+digest(config), "", nil)
	check("blob HEAD", resp, body, nil, digest(config))
	if got := calls() - base; got != 0 {
		t.Fatalf("plugin calls = %d, want 0", got)
	}

	// Moving the tag is seen at once.
	d2, m2 := push("v1", "two")
	base = calls()
	resp, body = e.req("GET", "/v2/docker/app/manifests/v1", "", nil)
	check("GET by tag after a push", resp, body, m2, d2)
	resp, body = e.req("GET", "/v2/docker/app/manifests/v1", "", nil)
	check("GET by tag after a push", resp, body, m2, d2)
	if got := calls() - base; got != 0 {
		t.Fatalf("after a push: %d plugin calls, want 0", got)
	}
}
