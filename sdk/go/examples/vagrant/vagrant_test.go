package vagrant

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

func boxBytes(t *testing.T, provider string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	meta := []byte(`{"provider":"` + provider + `"}`)
	if err := tw.WriteHeader(&tar.Header{Name: "metadata.json", Mode: 0o644, Size: int64(len(meta))}); err != nil {
		t.Fatal(err)
	}
	tw.Write(meta)
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func call(t *testing.T, h *fakehost.Host, method, path string, body []byte) *sdk.Response {
	t.Helper()
	req := &sdk.Request{Method: method, Path: path, Repo: h.RepoCtx}
	if body != nil {
		req.Body = &sdk.Body{Digest: h.AddBlob(body), Size: uint64(len(body))}
	}
	resp, err := sdk.CallHandle(Plugin{}, h, req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

func TestUploadCatalogDelete(t *testing.T) {
	h := fakehost.New(&sdk.RepoContext{Key: "boxes", BaseURL: "http://k/vagrant-example/boxes"})
	for _, up := range []struct{ path, provider string }{
		{"/acme/base/1.0.0/virtualbox.box", "virtualbox"},
		{"/acme/base/1.10.0/libvirt.box", "libvirt"},
		{"/acme/base/1.2.0/libvirt.box", "libvirt"},
	} {
		if r := call(t, h, "PUT", up.path, boxBytes(t, up.provider)); r.Status != 201 {
			t.Fatalf("PUT %s: %d %s", up.path, r.Status, r.Bytes)
		}
		h.Commit()
	}
	r := call(t, h, "PUT", "/acme/base/1.0.0/virtualbox.box", boxBytes(t, "virtualbox"))
	if r.Status != 409 {
		t.Fatalf("re-upload: %d", r.Status)
	}
	r = call(t, h, "GET", "/acme/base", nil)
	if r.Status != 200 {
		t.Fatalf("catalog: %d %s", r.Status, r.Bytes)
	}
	var doc struct {
		Name     string
		Versions []struct {
			Version   string
			Providers []struct{ Name, URL, Checksum, Checksum_type string }
		}
	}
	if err := json.Unmarshal(r.Bytes, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Name != "acme/base" || len(doc.Versions) != 3 || doc.Versions[0].Version != "1.10.0" || doc.Versions[2].Version != "1.0.0" {
		t.Fatalf("catalog: %s", r.Bytes)
	}
	p := doc.Versions[2].Providers[0]
	if p.Name != "virtualbox" || p.URL != "http://k/vagrant-example/boxes/acme/base/1.0.0/virtualbox.box" || p.Checksum_type != "sha256" || len(p.Checksum) != 64 {
		t.Fatalf("provider: %+v", p)
	}
	if r := call(t, h, "DELETE", "/acme/base/1.0.0/virtualbox.box", nil); r.Status != 204 {
		t.Fatalf("delete: %d", r.Status)
	}
	h.Commit()
	if r := call(t, h, "DELETE", "/acme/base/1.0.0/virtualbox.box", nil); r.Status != 404 {
		t.Fatalf("second delete: %d", r.Status)
	}
}

func TestRefusesBadInput(t *testing.T) {
	h := fakehost.New(&sdk.RepoContext{Key: "boxes", BaseURL: "http://k/vagrant-example/boxes"})
	cases := []struct {
		path   string
		body   []byte
		status int
	}{
		{"/acme/base/1.0/vb.box", []byte("not an archive at all"), 400},
		{"/acme/base/one/vb.box", boxBytes(t, "vb"), 400},
		{"/acme/ba%20se/1.0/vb.box", boxBytes(t, "vb"), 400},
		{"/acme/base/1.0/vb.box", nil, 400},
	}
	for _, c := range cases {
		if r := call(t, h, "PUT", c.path, c.body); r.Status != c.status {
			t.Errorf("PUT %s: %d, want %d (%s)", c.path, r.Status, c.status, r.Bytes)
		}
	}
	if len(h.StagedFiles) != 0 {
		t.Fatalf("refused uploads staged files: %v", h.StagedFiles)
	}
	if r := call(t, h, "GET", "/acme/missing", nil); r.Status != 404 {
		t.Fatalf("unknown box: %d", r.Status)
	}
	if r := call(t, h, "GET", "/a/b/c", nil); r.Status != 404 {
		t.Fatalf("wrong-shaped path: %d", r.Status)
	}
}
