package myformat_test

import (
	"strings"
	"testing"

	"example.com/myformat"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

func TestUploadThenIndex(t *testing.T) {
	h := fakehost.New(&sdk.RepoContext{Key: "files"})
	put := func(path, data string) *sdk.Response {
		return fakehost.Serve(myformat.Plugin{}, h, &sdk.Request{Method: "PUT", Path: path, Repo: h.RepoCtx, Body: h.Body([]byte(data))})
	}
	if r := put("/a.txt", "hello"); r.Status != 201 {
		t.Fatalf("put: %d %s", r.Status, r.Bytes)
	}
	if r := put("/a.txt", "again"); r.Status != 409 {
		t.Fatalf("second put: %d", r.Status)
	}
	if r := put("/../x", "x"); r.Status != 400 {
		t.Fatalf("traversal: %d", r.Status)
	}
	r := fakehost.Serve(myformat.Plugin{}, h, &sdk.Request{Method: "GET", Path: "/-/index", Repo: h.RepoCtx})
	if r.Status != 200 || !strings.Contains(string(r.Bytes), `"path":"a.txt","size":5`) {
		t.Fatalf("index: %d %s", r.Status, r.Bytes)
	}
}
