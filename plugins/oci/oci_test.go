package oci_test

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/oci"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func sha5(b []byte) string {
	s := sha512.Sum512(b)
	return "sha512:" + hex.EncodeToString(s[:])
}

// env is a fake host bound to repository "docker" with helpers that run a
// request and commit its staged writes on success, like the real host.
type env struct {
	t *testing.T
	h *fakehost.Host
}

func newEnv(t *testing.T) *env {
	h := fakehost.New(&sdk.RepoContext{Key: "docker", Kind: "local", Format: "oci", BaseURL: "http://k/v2/docker"})
	h.Caller = "alice"
	return &env{t: t, h: h}
}

func (e *env) do(method, path, query string, body []byte, headers ...string) *sdk.Response {
	e.t.Helper()
	req := &sdk.Request{Method: method, Path: path, RawQuery: query, Repo: e.h.RepoCtx, User: "alice", BaseURL: "http://k"}
	if body != nil {
		// As the host hands bodies to a plugin that declares sha256-bodies:
		// the sha256 only (a sha512 digest must come from the hash import).
		req.Body = e.h.Body(body)
		req.Body.SHA1, req.Body.MD5, req.Body.SHA512 = "", "", ""
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Headers = append(req.Headers, sdk.Header{Name: headers[i], Value: headers[i+1]})
	}
	resp, err := sdk.CallHandle(oci.Plugin{}, e.h, req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	if resp.Status < 400 {
		e.h.Commit()
	} else {
		e.h.StagedFiles, e.h.StagedDeletes = nil, nil
		e.h.StagedKV = map[string][]byte{}
	}
	return resp
}

func header(r *sdk.Response, name string) string {
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

func errCode(r *sdk.Response) string {
	var b struct {
		Errors []struct{ Code string } `json:"errors"`
	}
	_ = json.Unmarshal(r.Bytes, &b)
	if len(b.Errors) == 0 {
		return ""
	}
	return b.Errors[0].Code
}

func (e *env) pushBlob(image string, data []byte) string {
	e.t.Helper()
	d := sha(data)
	if r := e.do("POST", "/"+image+"/blobs/uploads/", "digest="+d, data); r.Status != 201 {
		e.t.Fatalf("push blob: %d %s", r.Status, r.Bytes)
	}
	return d
}

func (e *env) pushImage(image, tag string, extra map[string]any) (string, []byte) {
	e.t.Helper()
	cfg := []byte(`{"architecture":"amd64","os":"linux"}`)
	layer := []byte("layer-" + image + tag)
	m := map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": e.pushBlob(image, cfg), "size": len(cfg)},
		"layers": []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": e.pushBlob(image, layer), "size": len(layer)}}}
	for k, v := range extra {
		m[k] = v
	}
	raw, _ := json.Marshal(m)
	r := e.do("PUT", "/"+image+"/manifests/"+tag, "", raw, "Content-Type", "application/vnd.oci.image.manifest.v1+json")
	if r.Status != 201 {
		e.t.Fatalf("push manifest: %d %s", r.Status, r.Bytes)
	}
	return header(r, "Docker-Content-Digest"), raw
}

func TestPingAndToken(t *testing.T) {
	e := newEnv(t)
	anon := &sdk.Request{Method: "GET", Path: "/", BaseURL: "http://k"}
	r, _ := sdk.CallHandle(oci.Plugin{}, e.h, anon)
	if r.Status != 401 || header(r, "WWW-Authenticate") != `Bearer realm="http://k/v2/token",service="keeper"` {
		t.Fatalf("anonymous ping: %d %q", r.Status, header(r, "WWW-Authenticate"))
	}
	r, _ = sdk.CallHandle(oci.Plugin{}, e.h, &sdk.Request{Method: "GET", Path: "/", User: "alice"})
	if r.Status != 200 {
		t.Fatalf("ping: %d", r.Status)
	}
	r, _ = sdk.CallHandle(oci.Plugin{}, e.h, &sdk.Request{Method: "GET", Path: "/token", User: "alice",
		RawQuery: "service=keeper&scope=repository:docker/app:pull,push&offline_token=true"})
	var tok struct {
		Token        string `json:"token"`
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	_ = json.Unmarshal(r.Bytes, &tok)
	if r.Status != 200 || !strings.HasPrefix(tok.Token, "fake-session-alice") || tok.AccessToken != tok.Token ||
		!strings.HasPrefix(tok.RefreshToken, "fake-offline-alice") {
		t.Fatalf("token: %d %s", r.Status, r.Bytes)
	}
	// Anonymous callers get an anonymous token (public repositories are
	// pulled that way), but no refresh token.
	e.h.Caller = ""
	r, _ = sdk.CallHandle(oci.Plugin{}, e.h, &sdk.Request{Method: "GET", Path: "/token", RawQuery: "scope=repository:docker/app:pull"})
	if r.Status != 200 || !strings.Contains(string(r.Bytes), `"token":"fake-anonymous-`) {
		t.Fatalf("anonymous token: %d %s", r.Status, r.Bytes)
	}
	r, _ = sdk.CallHandle(oci.Plugin{}, e.h, &sdk.Request{Method: "GET", Path: "/token", RawQuery: "offline_token=true"})
	if r.Status != 401 {
		t.Fatalf("anonymous offline token: %d", r.Status)
	}
	form := e.h.Body([]byte("grant_type=refresh_token&refresh_token=kpr_x&service=keeper"))
	r, _ = sdk.CallHandle(oci.Plugin{}, e.h, &sdk.Request{Method: "POST", Path: "/token", Body: form})
	if r.Status != 200 || !strings.Contains(string(r.Bytes), `"access_token":"kpr_x"`) {
		t.Fatalf("refresh grant: %d %s", r.Status, r.Bytes)
	}
}

func TestBlobUploads(t *testing.T) {
	e := newEnv(t)
	data := []byte("0123456789abcdefghij")
	d := sha(data)
	// Chunked: POST, PATCH x2 with Content-Range, out-of-order 416, PUT.
	r := e.do("POST", "/app/blobs/uploads/", "", nil)
	loc := header(r, "Location")
	if r.Status != 202 || !strings.HasPrefix(loc, "/v2/docker/app/blobs/uploads/") || header(r, "Range") != "0-0" {
		t.Fatalf("start: %d %v", r.Status, r.Headers)
	}
	id := strings.TrimPrefix(loc, "/v2/docker/app/blobs/uploads/")
	up := "/app/blobs/uploads/" + id
	if r := e.do("PATCH", up, "", data[:10], "Content-Range", "0-9"); r.Status != 202 || header(r, "Range") != "0-9" {
		t.Fatalf("patch 1: %d %v", r.Status, r.Headers)
	}
	if r := e.do("PATCH", up, "", data[:10], "Content-Range", "0-9"); r.Status != 416 {
		t.Fatalf("out of order: %d", r.Status)
	}
	if r := e.do("GET", up, "", nil); r.Status != 204 || header(r, "Range") != "0-9" {
		t.Fatalf("status: %d %v", r.Status, r.Headers)
	}
	if r := e.do("PATCH", up, "", data[10:], "Content-Range", "10-19"); r.Status != 202 || header(r, "Range") != "0-19" {
		t.Fatalf("patch 2: %d %v", r.Status, r.Headers)
	}
	if r := e.do("PUT", up, "digest="+sha([]byte("other")), nil); r.Status != 400 || errCode(r) != "DIGEST_INVALID" {
		t.Fatalf("bad digest: %d %s", r.Status, r.Bytes)
	}
	if r := e.do("PUT", up, "digest="+d, nil); r.Status != 201 || header(r, "Location") != "/v2/docker/app/blobs/"+d {
		t.Fatalf("finish: %d %v %s", r.Status, r.Headers, r.Bytes)
	}
	f := e.h.Files["app/blobs/"+d]
	if f.BlobDigest != strings.TrimPrefix(d, "sha256:") {
		t.Fatalf("blob file %+v", f)
	}
	for p := range e.h.Files {
		if strings.Contains(p, "_uploads") {
			t.Fatalf("chunk file %s left behind", p)
		}
	}
	if r := e.do("GET", up, "", nil); r.Status != 404 || errCode(r) != "BLOB_UPLOAD_UNKNOWN" {
		t.Fatalf("finished session: %d", r.Status)
	}
	// sha512 monolithic, and mount into another image.
	d5 := sha5(data)
	if r := e.do("POST", "/app/blobs/uploads/", "digest="+d5, data); r.Status != 201 {
		t.Fatalf("sha512: %d %s", r.Status, r.Bytes)
	}
	if r := e.do("POST", "/other/blobs/uploads/", "mount="+d+"&from=docker/app", nil); r.Status != 201 {
		t.Fatalf("mount: %d %s", r.Status, r.Bytes)
	}
	if r := e.do("POST", "/other/blobs/uploads/", "mount="+sha([]byte("nope"))+"&from=docker/app", nil); r.Status != 202 {
		t.Fatalf("mount of a missing blob must fall back to an upload: %d", r.Status)
	}
	// Empty blob, blob GET/DELETE.
	if r := e.do("POST", "/app/blobs/uploads/", "digest="+sha(nil), nil); r.Status != 201 {
		t.Fatalf("empty blob: %d %s", r.Status, r.Bytes)
	}
	if r := e.do("DELETE", "/app/blobs/"+d, "", nil); r.Status != 202 {
		t.Fatalf("delete: %d", r.Status)
	}
	if r := e.do("HEAD", "/app/blobs/"+d, "", nil); r.Status != 404 || errCode(r) != "BLOB_UNKNOWN" {
		t.Fatalf("deleted blob: %d", r.Status)
	}
	if r := e.do("GET", "/app/blobs/sha256:xyz", "", nil); r.Status != 400 {
		t.Fatalf("bad digest: %d", r.Status)
	}
}

func TestManifestsTagsReferrers(t *testing.T) {
	e := newEnv(t)
	d, raw := e.pushImage("app", "v1", nil)
	if d != sha(raw) {
		t.Fatalf("digest %s", d)
	}
	r := e.do("GET", "/app/manifests/v1", "", nil)
	if r.Status != 200 || r.Kind != sdk.BodyServePath || r.Target != "app/manifests/"+d || header(r, "Docker-Content-Digest") != d ||
		header(r, "Content-Type") != "application/vnd.oci.image.manifest.v1+json" {
		t.Fatalf("get by tag: %+v", r)
	}
	// A manifest naming a missing blob is refused.
	bad := []byte(fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"x","digest":"%s","size":1},"layers":[]}`, sha([]byte("missing"))))
	if r := e.do("PUT", "/app/manifests/bad", "", bad); r.Status != 400 || errCode(r) != "MANIFEST_BLOB_UNKNOWN" {
		t.Fatalf("missing blob: %d %s", r.Status, r.Bytes)
	}
	if r := e.do("PUT", "/app/manifests/"+sha([]byte("x")), "", raw); r.Status != 400 || errCode(r) != "DIGEST_INVALID" {
		t.Fatalf("digest mismatch: %d", r.Status)
	}
	// Tags with pagination.
	for _, tag := range []string{"a", "b", "c"} {
		e.pushImage("app", tag, nil)
	}
	r = e.do("GET", "/app/tags/list", "n=2", nil)
	if string(r.Bytes) != `{"name":"docker/app","tags":["a","b"]}` || header(r, "Link") != `</v2/docker/app/tags/list?n=2&last=b>; rel="next"` {
		t.Fatalf("tags page 1: %s %v", r.Bytes, r.Headers)
	}
	r = e.do("GET", "/app/tags/list", "n=2&last=b", nil)
	if string(r.Bytes) != `{"name":"docker/app","tags":["c","v1"]}` || header(r, "Link") != "" {
		t.Fatalf("tags page 2: %s %v", r.Bytes, r.Headers)
	}
	if r := e.do("GET", "/nothing/tags/list", "", nil); r.Status != 404 || errCode(r) != "NAME_UNKNOWN" {
		t.Fatalf("unknown name: %d", r.Status)
	}
	// Referrers with subject and artifactType filter.
	sub := map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d, "size": len(raw)}
	rd, _ := e.pushImage("app", "sig", map[string]any{"subject": sub, "artifactType": "application/x-sig"})
	r = e.do("GET", "/app/referrers/"+d, "", nil)
	if r.Status != 200 || !strings.Contains(string(r.Bytes), rd) || !strings.Contains(string(r.Bytes), "application/x-sig") {
		t.Fatalf("referrers: %d %s", r.Status, r.Bytes)
	}
	r = e.do("GET", "/app/referrers/"+d, "artifactType=application/other", nil)
	if strings.Contains(string(r.Bytes), rd) || header(r, "OCI-Filters-Applied") != "artifactType" {
		t.Fatalf("filtered referrers: %s", r.Bytes)
	}
	// Deletes: tag, then manifest by digest (its tags and referrer entry go too).
	if r := e.do("DELETE", "/app/manifests/a", "", nil); r.Status != 202 {
		t.Fatalf("delete tag: %d", r.Status)
	}
	if r := e.do("GET", "/app/manifests/a", "", nil); r.Status != 404 || errCode(r) != "MANIFEST_UNKNOWN" {
		t.Fatalf("deleted tag: %d", r.Status)
	}
	if r := e.do("DELETE", "/app/manifests/"+rd, "", nil); r.Status != 202 {
		t.Fatalf("delete manifest: %d", r.Status)
	}
	if r := e.do("GET", "/app/referrers/"+d, "", nil); strings.Contains(string(r.Bytes), rd) {
		t.Fatalf("referrer survived its manifest: %s", r.Bytes)
	}
	if r := e.do("GET", "/app/manifests/sig", "", nil); r.Status != 404 {
		t.Fatalf("tag of a deleted manifest: %d", r.Status)
	}
}

func TestNameLimits(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/UPPER/manifests/x", "/a..b/blobs/uploads/"} {
		if r := e.do("GET", p, "", nil); r.Status != 400 || errCode(r) != "NAME_INVALID" {
			t.Errorf("%s: %d %s", p, r.Status, r.Bytes)
		}
	}
	big := make([]byte, 4<<20+1)
	if r := e.do("PUT", "/app/manifests/big", "", big); r.Status != 413 {
		t.Fatalf("oversized manifest: %d", r.Status)
	}
}

func TestAbandonedUploadsExpire(t *testing.T) {
	e := newEnv(t)
	e.h.AddFile("app/_uploads/000000000001aa/0", []byte("stale chunk"))
	e.h.KV["uploads\x00000000000001aa"] = []byte(`{"image":"app","size":11,"chunks":["app/_uploads/000000000001aa/0"],"started":1}`)
	if r := e.do("POST", "/app/blobs/uploads/", "", nil); r.Status != 202 {
		t.Fatalf("start: %d", r.Status)
	}
	if _, ok := e.h.KV["uploads\x00000000000001aa"]; ok {
		t.Fatal("abandoned session kept")
	}
	if _, ok := e.h.Files["app/_uploads/000000000001aa/0"]; ok {
		t.Fatal("abandoned chunk kept")
	}
}
