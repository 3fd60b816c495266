package vagrant

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const base = "http://k/vagrant/r"

func newHost() *fakehost.Host {
	return fakehost.New(&sdk.RepoContext{Key: "r", Kind: "local", Format: "vagrant", BaseURL: base})
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// boxFile builds a .box: a tar (gzip-compressed when gz) of the entries,
// metadata.json first when meta is not empty.
func boxFile(gz bool, meta string, extra ...[2]string) []byte {
	var b bytes.Buffer
	var zw *gzip.Writer
	var tw *tar.Writer
	if gz {
		zw = gzip.NewWriter(&b)
		tw = tar.NewWriter(zw)
	} else {
		tw = tar.NewWriter(&b)
	}
	files := extra
	if meta != "" {
		files = append([][2]string{{"metadata.json", meta}}, extra...)
	}
	for _, f := range files {
		_ = tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o644, Size: int64(len(f[1])), Typeflag: tar.TypeReg, Format: tar.FormatUSTAR})
		_, _ = tw.Write([]byte(f[1]))
	}
	_ = tw.Close()
	if zw != nil {
		_ = zw.Close()
	}
	return b.Bytes()
}

func libvirtBox(extra string) []byte {
	return boxFile(true, `{"provider":"libvirt"}`, [2]string{"box.img", "disk image " + extra}, [2]string{"Vagrantfile", "# " + extra})
}

func call(h *fakehost.Host, method, path string, body []byte) *sdk.Response {
	req := &sdk.Request{Method: method, Path: path, Repo: h.RepoCtx, User: "alice"}
	if body != nil {
		req.Body = h.Body(body)
	}
	return fakehost.Serve(Plugin{}, h, req)
}

func mustStatus(t *testing.T, r *sdk.Response, want int, contains string) {
	t.Helper()
	if r.Status != want || !strings.Contains(string(r.Bytes), contains) {
		t.Fatalf("status %d, want %d containing %q: %s", r.Status, want, contains, r.Bytes)
	}
}

func TestUploadAndCatalog(t *testing.T) {
	h := newHost()
	b1, b2, vb := libvirtBox("1"), libvirtBox("2"), boxFile(false, `{"provider":"virtualbox"}`, [2]string{"box.ovf", "x"})
	mustStatus(t, call(h, "PUT", "/acme/base/1.0.0/libvirt.box", b1), 201, `"checksum":"`+sha(b1)+`"`)
	mustStatus(t, call(h, "PUT", "/acme/base/1.10.0/libvirt.box", b2), 201, `"url":"`+base+`/acme/base/1.10.0/libvirt.box"`)
	mustStatus(t, call(h, "PUT", "/acme/base/1.10.0/virtualbox.box", vb), 201, "")
	mustStatus(t, call(h, "PUT", "/acme/base/1.2.0/libvirt.box", b1), 201, "")
	mustStatus(t, call(h, "PUT", "/acme/base", []byte(`{"description":"A base box"}`)), 200, `"description":"A base box"`)
	c := call(h, "GET", "/acme/base", nil)
	mustStatus(t, c, 200, `"name":"acme/base","description":"A base box","versions":[{"version":"1.10.0","providers":[{"name":"libvirt"`)
	plugintest.GoldenJSON(t, "golden/catalog.json", c.Bytes)
	if !strings.Contains(string(c.Bytes), `"checksum":"`+sha(vb)+`","checksum_type":"sha256"`) {
		t.Fatalf("catalog checksums: %s", c.Bytes)
	}
	mustStatus(t, call(h, "GET", "/acme/base.json", nil), 200, `"version":"1.2.0"`)
	if f := h.Files["acme/base/1.0.0/libvirt.box"]; !bytes.Equal(h.Blobs[f.BlobDigest], b1) || f.Package != "acme/base" || f.Version != "1.0.0" {
		t.Fatalf("stored box: %+v", f)
	}
	// Delete one provider; the catalog follows.
	if r := call(h, "DELETE", "/acme/base/1.10.0/virtualbox.box", nil); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Bytes)
	}
	if c := call(h, "GET", "/acme/base", nil); strings.Contains(string(c.Bytes), "virtualbox") {
		t.Fatalf("deleted provider still listed: %s", c.Bytes)
	}
	mustStatus(t, call(h, "DELETE", "/acme/base/1.10.0/virtualbox.box", nil), 404, "no such box")
}

func TestRefusals(t *testing.T) {
	h := newHost()
	good := libvirtBox("x")
	mustStatus(t, call(h, "PUT", "/acme/base/1.0.0/libvirt.box", good), 201, "")
	big := strings.Repeat("x", 70<<10)
	cases := []struct {
		name, path string
		body       []byte
		status     int
		msg        string
	}{
		{"republish", "/acme/base/1.0.0/libvirt.box", libvirtBox("y"), 409, "already has a libvirt box"},
		{"empty", "/acme/base/2.0.0/libvirt.box", []byte{}, 400, "needs a body"},
		{"not an archive", "/acme/base/2.0.0/libvirt.box", []byte("hello, not a box"), 400, "must be a tar or tar.gz"},
		{"truncated", "/acme/base/2.0.0/libvirt.box", good[:len(good)/2], 400, "invalid box"},
		{"no metadata", "/acme/base/2.0.0/libvirt.box", boxFile(true, "", [2]string{"box.img", "x"}), 400, "no metadata.json"},
		{"bad metadata", "/acme/base/2.0.0/libvirt.box", boxFile(true, "{nope"), 400, "not valid JSON"},
		{"forged provider", "/acme/base/2.0.0/libvirt.box", boxFile(true, `{"provider":"virtualbox"}`), 400, `names provider \"virtualbox\", the path \"libvirt\"`},
		{"traversal entry", "/acme/base/2.0.0/libvirt.box", boxFile(true, `{"provider":"libvirt"}`, [2]string{"../../etc/x", "x"}), 400, "not a clean relative path"},
		{"huge metadata", "/acme/base/2.0.0/libvirt.box", boxFile(true, `{"provider":"libvirt","x":"`+big+`"}`), 400, "metadata.json"},
		{"bad version", "/acme/base/1.x/libvirt.box", good, 400, "invalid version"},
		{"bad name", "/acme/-base/1.0.0/libvirt.box", good, 400, "invalid name"},
		{"traversal path", "/acme/../1.0.0/libvirt.box", good, 400, "invalid name"},
		{"bad description", "/acme/base", []byte(`[1]`), 400, "description"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(h.Files)
			mustStatus(t, call(h, "PUT", c.path, c.body), c.status, c.msg)
			if len(h.Files) != before {
				t.Fatalf("a refused upload stored a file")
			}
		})
	}
	for _, p := range []string{"/acme/none", "/acme/none.json", "/acme/base/1.0.0/libvirt.box", "/nothing", "/a/b/c", "/acme/base%zz"} {
		r := call(h, "GET", p, nil)
		if r.Status != 404 && r.Status != 400 {
			t.Fatalf("GET %s: %d %s", p, r.Status, r.Bytes)
		}
	}
	mustStatus(t, call(h, "GET", "/acme/none", nil), 404, `{"errors":["no box named \"acme/none\""]}`)
	mustStatus(t, call(h, "POST", "/acme/base", nil), 405, "not allowed")
}

func TestDescribe(t *testing.T) {
	info := Plugin{}.Describe()
	if info.Key != "vagrant" || len(info.Mounts) != 1 || info.Mounts[0].Prefix != "/vagrant/" || len(info.Setup) != 3 {
		t.Fatalf("describe: %+v", info)
	}
}
