package helm

import (
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// A chart PUT at an Artifactory-style path is stored as a chart upload and
// listed by index.yaml with its digest.
func TestDeployByPath(t *testing.T) {
	h := newTestHost()
	chart := chartTgz(t, "web", "1.2.0", "")
	expect(t, call(t, h, "PUT", "/stable/web-1.2.0.tgz", chart), 201, "saved")
	idx := parseIndex(t, call(t, h, "GET", "/index.yaml", nil).Bytes)
	v := idx.Entries["web"]
	if len(v) != 1 || v[0].Version != "1.2.0" || v[0].Digest != sum(chart) {
		t.Fatalf("index entries %+v", idx.Entries)
	}
	if f := h.Files["charts/web-1.2.0.tgz"]; f.SHA256 != sum(chart) {
		t.Fatalf("stored %+v", f)
	}
}

func TestDeployByPathRefusals(t *testing.T) {
	h := newTestHost()
	chart := chartTgz(t, "web", "1.2.0", "")
	expect(t, call(t, h, "PUT", "/web-1.3.0.tgz", chart), 400, "does not match")
	expect(t, call(t, h, "PUT", "/other-1.2.0.tgz", chart), 400, "does not match")
	expect(t, call(t, h, "PUT", "/readme.txt", chart), 400, "only")
	expect(t, call(t, h, "PUT", "/index.yaml", []byte("apiVersion: v1\n")), 409, "index.yaml")
	anon := &sdk.Request{Method: "PUT", Path: "/web-1.2.0.tgz", Repo: h.RepoCtx, Body: &sdk.Body{Digest: h.AddBlob(chart), Size: uint64(len(chart))}}
	if r, err := sdk.CallHandle(Plugin{}, h, anon); err != nil || r.Status != 401 {
		t.Fatalf("anonymous deploy: %v %+v", err, r)
	}
	h.discard()
	if len(h.Files) != 0 {
		t.Fatalf("a refused deploy stored %d files", len(h.Files))
	}
	expect(t, call(t, h, "PUT", "/web-1.2.0.tgz", chart), 201, "saved")
	expect(t, call(t, h, "PUT", "/stable/web-1.2.0.tgz", chart), 409, "exists")
}
