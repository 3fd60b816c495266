package ansible

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

func newHost() *fakehost.Host {
	h := fakehost.New(&sdk.RepoContext{Key: "r", Kind: "local", Format: "ansible", BaseURL: "http://k/ansible/r"})
	var clock int64 = 1765000000000
	h.VersionClock = func() int64 { clock += 1000; return clock }
	return h
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// form is the body ansible-galaxy collection publish sends (its
// prepare_multipart: the file base64 with Content-Transfer-Encoding, then
// sha256).
func form(filename string, file []byte, digest string) ([]byte, string) {
	return formEncoded(filename, file, digest, true)
}

// formEncoded is form with the file part raw (curl -F) or in base64.
func formEncoded(filename string, file []byte, digest string, b64 bool) ([]byte, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	hdr := textproto.MIMEHeader{"Content-Type": {"application/octet-stream"},
		"Content-Disposition": {`form-data; name="file"; filename="` + filename + `"`}}
	content := file
	if b64 {
		hdr.Set("Content-Transfer-Encoding", "base64")
		content = []byte(base64.StdEncoding.EncodeToString(file))
	}
	fw, _ := w.CreatePart(hdr)
	_, _ = fw.Write(content)
	if digest != "" {
		_ = w.WriteField("sha256", digest)
	}
	_ = w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func publish(h *fakehost.Host, filename string, file []byte, digest string) *sdk.Response {
	body, ct := form(filename, file, digest)
	return fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "POST", Path: "/api/v3/artifacts/collections/", Repo: h.RepoCtx,
		User: "alice", Body: h.Body(body), Headers: []sdk.Header{{Name: "Content-Type", Value: ct}}})
}

func get(h *fakehost.Host, path, query string) *sdk.Response {
	return fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "GET", Path: path, RawQuery: query, Repo: h.RepoCtx, User: "alice"})
}

func mustStatus(t *testing.T, r *sdk.Response, want int, contains string) {
	t.Helper()
	if r.Status != want || !strings.Contains(string(r.Bytes), contains) {
		t.Fatalf("status %d, want %d containing %q: %s", r.Status, want, contains, r.Bytes)
	}
}

// collection builds a collection artifact with a MANIFEST.json of the
// given collection_info and further entries.
func collection(t testing.TB, info map[string]any, extra ...[2]string) []byte {
	m, _ := json.Marshal(map[string]any{"collection_info": info, "format": 1})
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, f := range append([][2]string{{"MANIFEST.json", string(m)}}, extra...) {
		_ = tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o644, Size: int64(len(f[1])), Typeflag: tar.TypeReg})
		_, _ = tw.Write([]byte(f[1]))
	}
	_ = tw.Close()
	_ = zw.Close()
	return b.Bytes()
}

func info(ns, name, version string) map[string]any {
	return map[string]any{"namespace": ns, "name": name, "version": version, "dependencies": map[string]string{"keeper.demo": ">=1.0.0"}}
}

func TestPublishAndAPI(t *testing.T) {
	h := newHost()
	v1, v11 := plugintest.Testdata(t, "keeper-demo-1.0.0.tar.gz"), plugintest.Testdata(t, "keeper-demo-1.1.0.tar.gz")
	r := publish(h, "keeper-demo-1.0.0.tar.gz", v1, sha(v1))
	mustStatus(t, r, 202, `"task":"/ansible/r/api/v3/imports/collections/`)
	var task struct{ Task string }
	_ = json.Unmarshal(r.Bytes, &task)
	mustStatus(t, publish(h, "/tmp/out/keeper-demo-1.1.0.tar.gz", v11, sha(v11)), 202, "")
	other := collection(t, info("acme", "tools", "0.2.0-beta.1"))
	mustStatus(t, publish(h, "acme-tools-0.2.0-beta.1.tar.gz", other, sha(other)), 202, "")

	tr := get(h, strings.TrimPrefix(task.Task, "/ansible/r"), "")
	mustStatus(t, tr, 200, `"state":"completed"`)
	plugintest.GoldenJSON(t, "golden/task.json", tr.Bytes)
	api := get(h, "/api/", "")
	plugintest.GoldenJSON(t, "golden/api.json", api.Bytes)
	plugintest.GoldenJSON(t, "golden/collections.json", get(h, "/api/v3/collections/", "").Bytes)
	plugintest.GoldenJSON(t, "golden/collection.json", get(h, "/api/v3/collections/keeper/demo/", "").Bytes)
	vs := get(h, "/api/v3/collections/keeper/demo/versions/", "limit=100")
	plugintest.GoldenJSON(t, "golden/versions.json", vs.Bytes)
	if !strings.Contains(string(vs.Bytes), `"data":[{"created_at"`) || strings.Index(string(vs.Bytes), "1.1.0") > strings.Index(string(vs.Bytes), `"1.0.0"`) {
		t.Fatalf("versions, newest first: %s", vs.Bytes)
	}
	v := get(h, "/api/v3/collections/keeper/demo/versions/1.0.0/", "")
	plugintest.GoldenJSON(t, "golden/version.json", v.Bytes)
	mustStatus(t, v, 200, `"sha256":"`+sha(v1)+`"`)
	mustStatus(t, v, 200, `"download_url":"http://k/ansible/r/download/keeper-demo-1.0.0.tar.gz"`)
	if f := h.Files["download/keeper-demo-1.0.0.tar.gz"]; !bytes.Equal(h.Blobs[f.BlobDigest], v1) {
		t.Fatal("the stored artifact is not the uploaded one")
	}
	// Pagination: one version a page.
	p := get(h, "/api/v3/collections/keeper/demo/versions/", "limit=1&offset=1")
	mustStatus(t, p, 200, `"next":null`)
	mustStatus(t, p, 200, `"previous":"/ansible/r/api/v3/collections/keeper/demo/versions/?limit=1\u0026offset=0"`)

	for _, path := range []string{"/api/v3/collections/keeper/nope/", "/api/v3/collections/keeper/nope/versions/",
		"/api/v3/collections/keeper/demo/versions/9.9.9/", "/api/v3/imports/collections/nope/", "/api/v3/collections/Bad/x/", "/nothing"} {
		mustStatus(t, get(h, path, ""), 404, `"errors":[{`)
	}
	del := fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "DELETE", Path: "/api/v3/collections/keeper/demo/versions/1.1.0/", Repo: h.RepoCtx, User: "a"})
	if del.Status != 204 || len(h.Versions) != 2 {
		t.Fatalf("delete: %d %v", del.Status, h.Versions)
	}
	mustStatus(t, get(h, "/api/v3/collections/keeper/demo/", ""), 200, `"version":"1.0.0"`)
}

func TestPublishRefusals(t *testing.T) {
	v1 := plugintest.Testdata(t, "keeper-demo-1.0.0.tar.gz")
	big := strings.Repeat("x", 8<<20)
	bad := func(b []byte) []byte { return b }
	cases := []struct {
		name, file string
		body       []byte
		digest     string
		status     int
		msg        string
	}{
		{"no sha256", "keeper-demo-1.0.0.tar.gz", v1, "", 400, `no \"sha256\" field`},
		{"sha256 mismatch", "keeper-demo-1.0.0.tar.gz", v1, strings.Repeat("a", 64), 400, "the upload says"},
		{"bad file name", "keeper-demo.tar.gz", v1, sha(v1), 400, "is not NAMESPACE-NAME-VERSION.tar.gz"},
		{"file name mismatch", "keeper-other-1.0.0.tar.gz", v1, sha(v1), 400, "MANIFEST.json names keeper.demo 1.0.0, the file name keeper.other 1.0.0"},
		{"not gzip", "keeper-demo-1.0.0.tar.gz", []byte("nope"), sha([]byte("nope")), 400, "a gzip-compressed tar archive is expected"},
		{"truncated", "keeper-demo-1.0.0.tar.gz", bad(v1[:len(v1)/2]), sha(v1[:len(v1)/2]), 400, "invalid collection artifact"},
		{"traversal", "a-b-1.0.0.tar.gz", collection(t, info("a", "b", "1.0.0"), [2]string{"../../etc/x", "x"}), "", 400, "not a clean relative path"},
		{"no manifest", "a-b-1.0.0.tar.gz", collection(t, nil)[:0], "", 400, ""},
		{"forged version", "a-b-1.0.0.tar.gz", collection(t, info("a", "b", "1.0")), "", 400, "valid namespace, name and semantic version"},
		{"bad dependency", "a-b-1.0.0.tar.gz", collection(t, map[string]any{"namespace": "a", "name": "b", "version": "1.0.0", "dependencies": map[string]string{"../x": "*"}}), "", 400, "is not NAMESPACE.NAME"},
		{"bomb", "a-b-1.0.0.tar.gz", collection(t, info("a", "b", "1.0.0"), [2]string{"data", big + big}), "", 400, "too large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHost()
			h.ScanLimit = 4 << 20
			d := c.digest
			if d == "" && c.name != "no sha256" {
				d = sha(c.body)
			}
			mustStatus(t, publish(h, c.file, c.body, d), c.status, c.msg)
			if len(h.Files) != 0 || len(h.Versions) != 0 || len(h.KV) != 0 {
				t.Fatalf("stored after a refusal: %v", h.Files)
			}
		})
	}
	t.Run("raw file part", func(t *testing.T) {
		h := newHost()
		body, ct := formEncoded("keeper-demo-1.0.0.tar.gz", v1, sha(v1), false)
		r := fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "POST", Path: "/api/v3/artifacts/collections/", Repo: h.RepoCtx,
			Body: h.Body(body), Headers: []sdk.Header{{Name: "Content-Type", Value: ct}}})
		mustStatus(t, r, 202, "")
		if f := h.Files["download/keeper-demo-1.0.0.tar.gz"]; !bytes.Equal(h.Blobs[f.BlobDigest], v1) {
			t.Fatal("stored bytes differ")
		}
	})
	t.Run("republish", func(t *testing.T) {
		h := newHost()
		mustStatus(t, publish(h, "keeper-demo-1.0.0.tar.gz", v1, sha(v1)), 202, "")
		mustStatus(t, publish(h, "keeper-demo-1.0.0.tar.gz", v1, sha(v1)), 409, "already exists")
	})
	t.Run("not multipart", func(t *testing.T) {
		h := newHost()
		r := fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "POST", Path: "/api/v3/artifacts/collections/", Repo: h.RepoCtx,
			Body: h.Body(v1), Headers: []sdk.Header{{Name: "Content-Type", Value: "application/gzip"}}})
		mustStatus(t, r, 400, "multipart/form-data")
		mustStatus(t, fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "PUT", Path: "/api/", Repo: h.RepoCtx}), 405, "not allowed")
	})
}
