package oci_test

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/oci"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// start runs POST /<image>/blobs/uploads/ and returns the upload path, and
// whether the call staged any write (checked before the env commits).
func (e *env) start(image string) (string, bool) {
	e.t.Helper()
	req := &sdk.Request{Method: "POST", Path: "/" + image + "/blobs/uploads/", Repo: e.h.RepoCtx, User: "alice", BaseURL: "http://k"}
	resp, err := sdk.CallHandle(oci.Plugin{}, e.h, req)
	if err != nil || resp.Status != 202 {
		e.t.Fatalf("start: %v %+v", err, resp)
	}
	wrote := len(e.h.StagedFiles)+len(e.h.StagedDeletes)+len(e.h.StagedKV) > 0
	e.h.Commit()
	return strings.TrimPrefix(header(resp, "Location"), "/v2/docker"), wrote
}

// TestUploadStartCommitsNothing: only the repository's first upload stages a
// write (its id secret); later POSTs stage none, and their ids still work.
func TestUploadStartCommitsNothing(t *testing.T) {
	e := newEnv(t)
	if _, wrote := e.start("app"); !wrote {
		t.Fatal("first upload staged no id secret")
	}
	up, wrote := e.start("app")
	if wrote {
		t.Fatalf("second POST staged writes: files %v deletes %v kv %v", e.h.StagedFiles, e.h.StagedDeletes, e.h.StagedKV)
	}
	if r := e.do("GET", up, "", nil); r.Status != 204 || header(r, "Range") != "0-0" {
		t.Fatalf("status of an unstored session: %d %v", r.Status, r.Headers)
	}
	data := []byte("layer bytes")
	if r := e.do("PATCH", up, "", data, "Content-Range", "0-10"); r.Status != 202 || header(r, "Range") != "0-10" {
		t.Fatalf("patch: %d %v", r.Status, r.Headers)
	}
	if r := e.do("PUT", up, "digest="+sha(data), nil); r.Status != 201 {
		t.Fatalf("finish: %d %s", r.Status, r.Bytes)
	}
	if r := e.do("GET", up, "", nil); r.Status != 404 || errCode(r) != "BLOB_UPLOAD_UNKNOWN" {
		t.Fatalf("finished session: %d", r.Status)
	}
	// Monolithic PUT on a fresh session, then cancel of another.
	up2, _ := e.start("app")
	if r := e.do("PUT", up2, "digest="+sha([]byte("x")), []byte("x")); r.Status != 201 {
		t.Fatalf("monolithic put: %d %s", r.Status, r.Bytes)
	}
	if r := e.do("PUT", up2, "digest="+sha([]byte("x")), []byte("x")); r.Status != 404 {
		t.Fatalf("put on a finished session: %d", r.Status)
	}
	up3, _ := e.start("app")
	if r := e.do("DELETE", up3, "", nil); r.Status != 204 {
		t.Fatalf("cancel: %d", r.Status)
	}
	if r := e.do("GET", up3, "", nil); r.Status != 404 {
		t.Fatalf("cancelled session: %d", r.Status)
	}
}

// TestUploadIDsAreBound: an id is an empty session only for the image and
// repository it was made for, and a made-up or altered id is unknown.
func TestUploadIDsAreBound(t *testing.T) {
	e := newEnv(t)
	up, _ := e.start("app")
	id := up[strings.LastIndex(up, "/")+1:]
	flip := []byte(id)
	if flip[len(flip)-1] == '0' {
		flip[len(flip)-1] = '1'
	} else {
		flip[len(flip)-1] = '0'
	}
	for _, p := range []string{
		"/other/blobs/uploads/" + id,         // another image
		"/app/blobs/uploads/" + string(flip), // altered MAC
		"/app/blobs/uploads/" + strings.Repeat("0", len(id)),
		"/app/blobs/uploads/0123",
	} {
		if r := e.do("GET", p, "", nil); r.Status != 404 || errCode(r) != "BLOB_UPLOAD_UNKNOWN" {
			t.Errorf("GET %s: %d, want 404", p, r.Status)
		}
	}
	// Another repository has its own secret.
	other := &env{t: t, h: fakehost.New(&sdk.RepoContext{Key: "docker", Kind: "local", Format: "oci", BaseURL: "http://k/v2/docker"})}
	other.start("app")
	if r := other.do("GET", up, "", nil); r.Status != 404 {
		t.Errorf("id of another repository: %d, want 404", r.Status)
	}
}
