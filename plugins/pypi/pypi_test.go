package pypi

import (
	"archive/zip"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

const (
	wheelName = "keeper_demo-1.0.0-py3-none-any.whl"
	sdistName = "keeper_demo-1.0.0.tar.gz"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// twineUpload returns the recorded twine request for a dist file.
func twineUpload(t testing.TB, file string) (body []byte, ctype string) {
	return fixture(t, "uploads/"+file+".body"), string(fixture(t, "uploads/"+file+".content-type"))
}

func post(h *testHost, path string, body []byte, ctype string) *sdk.Request {
	d := h.AddBlob(body)
	return &sdk.Request{Method: "POST", Path: path, Repo: h.RepoCtx, User: "admin",
		Headers: []sdk.Header{{Name: "Content-Type", Value: ctype}},
		Body:    &sdk.Body{Digest: d, Size: uint64(len(body))}}
}

func get(h *testHost, path string, hdr ...string) *sdk.Request {
	r := &sdk.Request{Method: "GET", Path: path, Repo: h.RepoCtx}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Headers = append(r.Headers, sdk.Header{Name: hdr[i], Value: hdr[i+1]})
	}
	return r
}

// do runs the plugin and commits on success; it returns status and body.
func do(t testing.TB, h *testHost, req *sdk.Request) (int, string, *sdk.Response) {
	t.Helper()
	resp, err := sdk.CallHandle(Plugin{}, h, req)
	if err != nil {
		e := sdk.AsError(err)
		h.StagedFiles, h.StagedDeletes, h.StagedVersions, h.StagedKV = nil, nil, nil, map[string][]byte{}
		return e.Status, e.Message, nil
	}
	if resp.Status < 400 {
		h.Commit()
	}
	return resp.Status, string(resp.Bytes), resp
}

func header(r *sdk.Response, name string) string {
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// published returns a host holding the twine uploads of the wheel and sdist.
func published(t testing.TB) *testHost {
	h := newTestHost()
	for _, f := range []string{wheelName, sdistName} {
		body, ct := twineUpload(t, f)
		if st, msg, _ := do(t, h, post(h, "/", body, ct)); st != 200 {
			t.Fatalf("upload %s: %d %s", f, st, msg)
		}
	}
	return h
}

func TestUploadStoresFileAndMetadata(t *testing.T) {
	h := published(t)
	whl := fixture(t, "dists/"+wheelName)
	f := h.Files["packages/keeper-demo/"+wheelName]
	if f.SHA256 != sha(whl) || f.Package != "keeper-demo" || f.Version != "1.0.0" {
		t.Fatalf("wheel stored as %+v, want sha256 %s", f, sha(whl))
	}
	var meta FileMeta
	if err := json.Unmarshal(f.Metadata, &meta); err != nil {
		t.Fatal(err)
	}
	m5 := md5.Sum(whl)
	if meta.RequiresPython != ">=3.8" || meta.Name != "Keeper.Demo" || meta.MD5 != hex.EncodeToString(m5[:]) || meta.PackageType != "bdist_wheel" {
		t.Fatalf("wheel metadata %+v", meta)
	}
	// PEP 658: the .metadata file is exactly the wheel's METADATA.
	zr, _ := zip.NewReader(bytes.NewReader(whl), int64(len(whl)))
	var want []byte
	for _, zf := range zr.File {
		if strings.HasSuffix(zf.Name, ".dist-info/METADATA") {
			rc, _ := zf.Open()
			want = make([]byte, zf.UncompressedSize64)
			_, _ = rc.Read(want)
			rc.Close()
		}
	}
	mf := h.Files["packages/keeper-demo/"+wheelName+".metadata"]
	if mf.SHA256 != sha(want) || meta.CoreMetadataSHA256 != sha(want) {
		t.Fatalf(".metadata sha256 %s / advertised %s, want %s", mf.SHA256, meta.CoreMetadataSHA256, sha(want))
	}
	sd := h.Files["packages/keeper-demo/"+sdistName]
	if sd.SHA256 != sha(fixture(t, "dists/"+sdistName)) {
		t.Fatalf("sdist stored as %+v", sd)
	}
	if _, ok := h.Files["packages/keeper-demo/"+sdistName+".metadata"]; ok {
		t.Fatal("sdists get no .metadata file")
	}
}

// replaceField rewrites one form field's value in a recorded multipart body.
func replaceField(t testing.TB, body []byte, field, value string) []byte {
	t.Helper()
	key := []byte("name=\"" + field + "\"\r\n\r\n")
	i := bytes.Index(body, key)
	if i < 0 {
		t.Fatalf("field %s not in body", field)
	}
	start := i + len(key)
	end := start + bytes.Index(body[start:], []byte("\r\n--"))
	return append(append(append([]byte{}, body[:start]...), value...), body[end:]...)
}

// form builds a multipart upload with the given fields and file.
func form(fields map[string]string, filename string, content []byte) ([]byte, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, k := range []string{":action", "protocol_version", "name", "version", "filetype", "sha256_digest"} {
		if v, ok := fields[k]; ok {
			_ = w.WriteField(k, v)
		}
	}
	if filename != "" {
		fw, _ := w.CreateFormFile("content", filename)
		_, _ = fw.Write(content)
	}
	_ = w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func zipOf(files map[string][]byte, method uint16) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, data := range files {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		_, _ = w.Write(data)
	}
	_ = zw.Close()
	return b.Bytes()
}

func TestUploadRejects(t *testing.T) {
	wbody, wct := twineUpload(t, wheelName)
	okFields := map[string]string{":action": "file_upload", "protocol_version": "1", "name": "bomb", "version": "1.0"}
	meta := []byte("Metadata-Version: 2.1\nName: bomb\nVersion: 1.0\n\n")
	bomb := zipOf(map[string][]byte{"bomb-1.0.dist-info/METADATA": meta, "bomb/big.bin": make([]byte, 50<<20)}, zip.Deflate)
	bombBody, bombCT := form(okFields, "bomb-1.0-py3-none-any.whl", bomb)
	notZip, notZipCT := form(okFields, "bomb-1.0-py3-none-any.whl", []byte("this is not a zip"))
	noMeta, noMetaCT := form(okFields, "bomb-1.0-py3-none-any.whl", zipOf(map[string][]byte{"bomb/__init__.py": nil}, zip.Store))
	wrongName := map[string]string{":action": "file_upload", "name": "other", "version": "1.0"}
	wrongNameBody, wrongNameCT := form(wrongName, "bomb-1.0-py3-none-any.whl", []byte("x"))
	badExt, badExtCT := form(okFields, "bomb-1.0.exe", []byte("x"))
	noFile, noFileCT := form(okFields, "", nil)
	metaMismatch := zipOf(map[string][]byte{"bomb-1.0.dist-info/METADATA": []byte("Metadata-Version: 2.1\nName: bomb\nVersion: 2.0\n\n")}, zip.Store)
	mmBody, mmCT := form(okFields, "bomb-1.0-py3-none-any.whl", metaMismatch)
	cases := []struct {
		name   string
		body   []byte
		ctype  string
		status int
		msg    string
	}{
		{"not multipart", []byte("{}"), "application/json", 400, "multipart/form-data"},
		{"wrong sha256", replaceField(t, wbody, "sha256_digest", strings.Repeat("0", 64)), wct, 400, "sha256_digest"},
		{"wrong md5", replaceField(t, wbody, "md5_digest", strings.Repeat("0", 32)), wct, 400, "md5_digest"},
		{"wrong blake2", replaceField(t, wbody, "blake2_256_digest", strings.Repeat("0", 64)), wct, 400, "blake2_256_digest"},
		{"other action", replaceField(t, wbody, ":action", "submit"), wct, 400, ":action"},
		{"truncated body", wbody[:len(wbody)-60], wct, 400, "malformed multipart"},
		{"zip bomb", bombBody, bombCT, 400, "ratio"},
		{"not a zip", notZip, notZipCT, 400, "invalid wheel"},
		{"no METADATA", noMeta, noMetaCT, 400, "METADATA"},
		{"file of another project", wrongNameBody, wrongNameCT, 400, "does not belong"},
		{"bad extension", badExt, badExtCT, 400, "only .whl"},
		{"no content part", noFile, noFileCT, 400, "content"},
		{"metadata version mismatch", mmBody, mmCT, 400, "metadata says"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newTestHost()
			st, msg, _ := do(t, h, post(h, "/", c.body, c.ctype))
			if st != c.status || !strings.Contains(msg, c.msg) {
				t.Fatalf("got %d %q, want %d containing %q", st, msg, c.status, c.msg)
			}
			if len(h.Files) != 0 {
				t.Fatalf("a refused upload stored %d files", len(h.Files))
			}
		})
	}
}

func TestDuplicateUploadIs409(t *testing.T) {
	h := published(t)
	body, ct := twineUpload(t, wheelName)
	st, msg, _ := do(t, h, post(h, "/legacy/", body, ct))
	if st != 409 || !strings.Contains(msg, "File already exists") {
		t.Fatalf("re-upload: %d %q", st, msg)
	}
}

func TestRoutes(t *testing.T) {
	h := published(t)
	cases := []struct {
		req    *sdk.Request
		status int
		loc    string
	}{
		{get(h, "/simple/Keeper.Demo/"), 301, "http://k/pypi/py/simple/keeper-demo/"},
		{get(h, "/simple/Keeper_Demo/"), 301, "http://k/pypi/py/simple/keeper-demo/"},
		{get(h, "/simple/keeper-demo"), 301, "http://k/pypi/py/simple/keeper-demo/"},
		{get(h, "/simple"), 301, "http://k/pypi/py/simple/"},
		{get(h, "/simple/keeper-demo/"), 200, ""},
		{get(h, "/simple/nope/"), 404, ""},
		{get(h, "/simple/keeper-demo/", "Accept", "application/xml"), 406, ""},
		{get(h, "/pypi/Keeper.Demo/json"), 301, "http://k/pypi/py/pypi/keeper-demo/json"},
		{get(h, "/pypi/keeper-demo/json"), 200, ""},
		{get(h, "/pypi/keeper-demo/1.0.0/json"), 200, ""},
		{get(h, "/pypi/keeper-demo/9.9/json"), 404, ""},
		{get(h, "/pypi/nope/json"), 404, ""},
		{get(h, "/packages/keeper-demo/nope-1.0.tar.gz"), 404, ""},
		{get(h, "/simple/a/b/c"), 404, ""},
		{get(h, "/whatever"), 404, ""},
		{&sdk.Request{Method: "PATCH", Path: "/x", Repo: h.RepoCtx}, 405, ""},
		{&sdk.Request{Method: "POST", Path: "/simple/", Repo: h.RepoCtx}, 404, ""},
		{&sdk.Request{Method: "DELETE", Path: "/packages/keeper-demo/nope.whl", Repo: h.RepoCtx}, 404, ""},
	}
	for _, c := range cases {
		st, msg, resp := do(t, h, c.req)
		if st != c.status {
			t.Errorf("%s %s: %d %s, want %d", c.req.Method, c.req.Path, st, msg, c.status)
			continue
		}
		if c.loc != "" && header(resp, "Location") != c.loc {
			t.Errorf("%s: Location %q, want %q", c.req.Path, header(resp, "Location"), c.loc)
		}
	}
}

func TestYankAndDelete(t *testing.T) {
	h := published(t)
	yb, _ := json.Marshal(map[string]any{"project": "Keeper_Demo", "version": "1.0.0", "reason": "broken <b>"})
	if st, msg, _ := do(t, h, post(h, "/yank", yb, "application/json")); st != 200 {
		t.Fatalf("yank: %d %s", st, msg)
	}
	_, page, _ := do(t, h, get(h, "/simple/keeper-demo/"))
	if strings.Count(page, `data-yanked="broken &lt;b&gt;"`) != 2 {
		t.Fatalf("yanked page:\n%s", page)
	}
	_, js, _ := do(t, h, get(h, "/simple/keeper-demo/", "Accept", TypeJSON))
	if strings.Count(js, `"yanked":"broken <b>"`) != 2 {
		t.Fatalf("yanked json:\n%s", js)
	}
	un, _ := json.Marshal(map[string]any{"project": "keeper-demo", "filename": sdistName, "yanked": false})
	if st, msg, _ := do(t, h, post(h, "/yank", un, "application/json")); st != 200 {
		t.Fatalf("unyank: %d %s", st, msg)
	}
	_, page, _ = do(t, h, get(h, "/simple/keeper-demo/"))
	if strings.Count(page, "data-yanked") != 1 {
		t.Fatalf("after unyank:\n%s", page)
	}
	bad, _ := json.Marshal(map[string]any{"project": "keeper-demo", "version": "7"})
	if st, _, _ := do(t, h, post(h, "/yank", bad, "application/json")); st != 404 {
		t.Fatalf("yank of a missing version: %d", st)
	}
	if st, _, _ := do(t, h, post(h, "/yank", []byte("nope"), "application/json")); st != 400 {
		t.Fatalf("yank with a bad body: %d", st)
	}
	del := &sdk.Request{Method: "DELETE", Path: "/packages/keeper-demo/" + wheelName, Repo: h.RepoCtx}
	if st, msg, _ := do(t, h, del); st != 204 {
		t.Fatalf("delete: %d %s", st, msg)
	}
	for _, p := range []string{wheelName, wheelName + ".metadata"} {
		if _, ok := h.Files["packages/keeper-demo/"+p]; ok {
			t.Fatalf("%s still stored", p)
		}
	}
	if _, ok := h.KV[yankNS+"\x00keeper-demo/"+wheelName]; ok {
		t.Fatal("yank state of a deleted file kept")
	}
}

func TestGolden(t *testing.T) {
	h := published(t)
	cases := []struct{ file, path, accept string }{
		{"project.html", "/simple/keeper-demo/", ""},
		{"project.json", "/simple/keeper-demo/", "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"},
		{"index.html", "/simple/", "text/html"},
		{"index.json", "/simple/", TypeJSON},
		{"api.json", "/pypi/keeper-demo/json", ""},
		{"api-version.json", "/pypi/keeper-demo/1.0.0/json", ""},
	}
	for _, c := range cases {
		req := get(h, c.path)
		if c.accept != "" {
			req.Headers = []sdk.Header{{Name: "Accept", Value: c.accept}}
		}
		st, body, _ := do(t, h, req)
		if st != 200 {
			t.Fatalf("%s: %d %s", c.path, st, body)
		}
		plugintest.Golden(t, "golden/"+c.file, []byte(body))
	}
}

func TestSimplePageAdvertisesServedBytes(t *testing.T) {
	h := published(t)
	_, js, _ := do(t, h, get(h, "/simple/keeper-demo/", "Accept", TypeJSON))
	var doc struct {
		Files []struct {
			Filename, URL  string
			Hashes         map[string]string
			RequiresPython string `json:"requires-python"`
			Core           any    `json:"core-metadata"`
		}
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil || len(doc.Files) != 2 {
		t.Fatalf("%v %s", err, js)
	}
	for _, f := range doc.Files {
		p := strings.TrimPrefix(f.URL, "http://k/pypi/py/")
		stored, ok := h.Files[p]
		if !ok || f.Hashes["sha256"] != sha(h.Blobs[stored.BlobDigest]) || f.RequiresPython != ">=3.8" {
			t.Errorf("file %+v does not match what is stored at %s", f, p)
		}
		if strings.HasSuffix(f.Filename, ".whl") {
			m := h.Files[p+".metadata"]
			if c, _ := f.Core.(map[string]any); c["sha256"] != sha(h.Blobs[m.BlobDigest]) {
				t.Errorf("core-metadata %v, served .metadata has %s", f.Core, m.SHA256)
			}
		}
	}
}
