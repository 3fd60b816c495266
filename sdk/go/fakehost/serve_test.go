package fakehost_test

import (
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// stager stages the request body at the request path and answers with the
// status in the X-Status header, or fails with X-Fail.
type stager struct{}

func (stager) Describe() sdk.Info { return sdk.Info{Key: "s", Mounts: []sdk.Mount{{Prefix: "/s/"}}} }

func (stager) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if err := h.StageFile(sdk.StagedFile{Path: req.Path, BlobDigest: req.Body.Digest}); err != nil {
		return nil, err
	}
	if req.Header("X-Fail") != "" {
		return nil, sdk.Errorf(422, "refused")
	}
	if req.Header("X-Status") == "400" {
		return &sdk.Response{Status: 400}, nil
	}
	return &sdk.Response{Status: 201}, nil
}

func TestServeCommitsOrDiscardsLikeTheHost(t *testing.T) {
	h := fakehost.New(&sdk.RepoContext{Key: "r"})
	put := func(path string, hdr ...sdk.Header) *sdk.Response {
		return fakehost.Serve(stager{}, h, &sdk.Request{Method: "PUT", Path: path, Headers: hdr, Body: h.Body([]byte(path))})
	}
	if r := put("a"); r.Status != 201 || h.Files["a"].Path != "a" {
		t.Fatalf("success: %d %v", r.Status, h.Files)
	}
	if r := put("a"); r.Status != 409 || len(h.StagedFiles) != 0 {
		t.Fatalf("conflict: %d %s", r.Status, r.Bytes)
	}
	if r := put("b", sdk.Header{Name: "X-Fail", Value: "1"}); r.Status != 422 || string(r.Bytes) != `{"error":"refused"}` || h.Files["b"].Path != "" {
		t.Fatalf("error: %d %s", r.Status, r.Bytes)
	}
	if r := put("c", sdk.Header{Name: "X-Status", Value: "400"}); r.Status != 400 || h.Files["c"].Path != "" {
		t.Fatalf("4xx response committed: %d", r.Status)
	}
}
