package generic_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/generic"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

func repo(overwrite bool) *sdk.RepoContext {
	r := &sdk.RepoContext{Key: "libs", Kind: "local", Format: "generic", BaseURL: "http://h/generic/libs"}
	if overwrite {
		r.Config = []sdk.KeyValue{{Key: "allow_overwrite", Value: "true"}}
	}
	return r
}

func do(t *testing.T, h *fakehost.Host, req *sdk.Request) *sdk.Response {
	t.Helper()
	if req.Repo == nil {
		req.Repo = h.RepoCtx
	}
	resp, err := sdk.CallHandle(generic.Plugin{}, h, req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.Path, err)
	}
	return resp
}

func put(h *fakehost.Host, path, body string) *sdk.Request {
	d := h.AddBlob([]byte(body))
	return &sdk.Request{Method: "PUT", Path: path, Body: &sdk.Body{Digest: d, Size: uint64(len(body))}}
}

func TestDescribe(t *testing.T) {
	info, err := sdk.DescribePlugin(generic.Plugin{})
	if err != nil || info.Key != "generic" || info.Mounts[0].Prefix != "/generic/" || info.ContractVersion != sdk.ContractVersion {
		t.Fatalf("%+v %v", info, err)
	}
}

func TestPutGetDelete(t *testing.T) {
	h := fakehost.New(repo(false))
	if r := do(t, h, put(h, "/a/b.txt", "hi")); r.Status != 201 || len(h.StagedFiles) != 1 || h.StagedFiles[0].Path != "a/b.txt" {
		t.Fatalf("put: %+v %+v", r, h.StagedFiles)
	}
	h.Commit()
	if r := do(t, h, put(h, "/a/b.txt", "again")); r.Status != 409 || len(h.StagedFiles) != 0 {
		t.Fatalf("overwrite refused: %+v", r)
	}
	for _, m := range []string{"GET", "HEAD"} {
		if r := do(t, h, &sdk.Request{Method: m, Path: "/a/b.txt"}); r.Status != 200 || r.Kind != sdk.BodyServePath || r.Target != "a/b.txt" {
			t.Fatalf("%s: %+v", m, r)
		}
	}
	if r := do(t, h, &sdk.Request{Method: "DELETE", Path: "/a/b.txt"}); r.Status != 204 || len(h.StagedDeletes) != 1 {
		t.Fatalf("delete: %+v", r)
	}
	h.Commit()
	if r := do(t, h, &sdk.Request{Method: "GET", Path: "/a/b.txt"}); r.Status != 404 {
		t.Fatalf("get after delete: %+v", r)
	}
	if r := do(t, h, &sdk.Request{Method: "DELETE", Path: "/a/b.txt"}); r.Status != 404 {
		t.Fatalf("delete absent: %+v", r)
	}
}

func TestOverwriteAllowedByConfig(t *testing.T) {
	h := fakehost.New(repo(true))
	do(t, h, put(h, "/f", "1"))
	h.Commit()
	if r := do(t, h, put(h, "/f", "2")); r.Status != 201 || !h.StagedFiles[0].Overwrite {
		t.Fatalf("%+v %+v", r, h.StagedFiles)
	}
}

func TestBadPaths(t *testing.T) {
	h := fakehost.New(repo(false))
	for _, p := range []string{"/a/../b", "/a/%2e%2e/b", "/a\\b", "/a%5cb", "/a%00b", "/a//b", "/./a", "/a/"} {
		if r := do(t, h, put(h, p, "x")); r.Status != 400 {
			t.Errorf("PUT %s: status %d", p, r.Status)
		}
	}
	if len(h.StagedFiles) != 0 {
		t.Fatalf("staged %+v", h.StagedFiles)
	}
	if r := do(t, h, &sdk.Request{Method: "PUT", Path: "/nobody"}); r.Status != 400 {
		t.Errorf("PUT without body: %d", r.Status)
	}
}

func TestListing(t *testing.T) {
	h := fakehost.New(repo(false))
	h.AddFile("d/x.txt", []byte("x"))
	h.AddFile("d/sub/y.txt", []byte("yy"))
	h.AddFile("top <b>.txt", []byte("z"))
	r := do(t, h, &sdk.Request{Method: "GET", Path: "/d/", Headers: []sdk.Header{{Name: "accept", Value: "application/json"}}})
	var l struct {
		Path    string
		Entries []generic.Entry
	}
	if err := json.Unmarshal(r.Bytes, &l); err != nil || l.Path != "/d/" || len(l.Entries) != 2 ||
		l.Entries[0] != (generic.Entry{Name: "sub", Dir: true}) || l.Entries[1].Name != "x.txt" || l.Entries[1].Size != 1 {
		t.Fatalf("json listing %s: %v", r.Bytes, err)
	}
	// A directory without trailing slash, listed via ?format=json.
	r = do(t, h, &sdk.Request{Method: "GET", Path: "/d/sub", RawQuery: "format=json"})
	if !strings.Contains(string(r.Bytes), `"name":"y.txt"`) {
		t.Fatalf("%s", r.Bytes)
	}
	r = do(t, h, &sdk.Request{Method: "GET", Path: "/"})
	body := string(r.Bytes)
	if r.Status != 200 || !strings.Contains(body, `<a href="http://h/generic/libs/d/">d/</a>`) ||
		!strings.Contains(body, `href="http://h/generic/libs/top%20%3Cb%3E.txt">top &lt;b&gt;.txt</a>`) {
		t.Fatalf("html listing:\n%s", body)
	}
	if r := do(t, h, &sdk.Request{Method: "GET", Path: "/nothing/"}); r.Status != 404 {
		t.Fatalf("empty dir: %+v", r)
	}
}

func TestUnknownMethodAndNoRepo(t *testing.T) {
	h := fakehost.New(repo(false))
	r := do(t, h, &sdk.Request{Method: "PATCH", Path: "/x"})
	if r.Status != 404 || !strings.Contains(string(r.Bytes), `"error"`) {
		t.Fatalf("%+v", r)
	}
	resp, err := sdk.CallHandle(generic.Plugin{}, h, &sdk.Request{Method: "GET", Path: "/x"})
	if err != nil || resp.Status != 404 {
		t.Fatalf("%+v %v", resp, err)
	}
}
