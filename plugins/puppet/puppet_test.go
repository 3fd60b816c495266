package puppet

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

func newHost() *fakehost.Host {
	h := fakehost.New(&sdk.RepoContext{Key: "r", Kind: "local", Format: "puppet", BaseURL: "http://k/puppet/r"})
	var clock int64 = 1765000000000
	h.VersionClock = func() int64 { clock += 1000; return clock }
	return h
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// metadataJSON is a module's metadata.json as the PDK writes it.
func metadataJSON(name, version string, deps ...string) string {
	ds := []map[string]string{}
	for _, d := range deps {
		ds = append(ds, map[string]string{"name": d, "version_requirement": ">= 1.0.0 < 2.0.0"})
	}
	b, _ := json.MarshalIndent(map[string]any{"name": name, "version": version, "author": "keeper",
		"summary": "Keeper test module", "license": "Apache-2.0", "source": "https://example.org/src",
		"project_page": "https://example.org", "issues_url": "https://example.org/issues", "tags": []string{"keeper"},
		"dependencies": ds, "operatingsystem_support": []any{}}, "", "  ")
	return string(b)
}

// tarball builds a module tarball with the given entries (name, content).
func tarball(entries ...[2]string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		if strings.HasSuffix(e[0], "/") {
			_ = tw.WriteHeader(&tar.Header{Name: e[0], Mode: 0o755, Typeflag: tar.TypeDir})
			continue
		}
		_ = tw.WriteHeader(&tar.Header{Name: e[0], Mode: 0o644, Size: int64(len(e[1])), Typeflag: tar.TypeReg})
		_, _ = tw.Write([]byte(e[1]))
	}
	_ = tw.Close()
	_ = zw.Close()
	return b.Bytes()
}

// module builds the tarball of owner-name at version, as `pdk build` lays it out.
func module(slug, version string, deps ...string) []byte {
	dir := slug + "-" + version + "/"
	return tarball([2]string{dir, ""}, [2]string{dir + "metadata.json", metadataJSON(slug, version, deps...)},
		[2]string{dir + "manifests/init.pp", "class " + slug[strings.Index(slug, "-")+1:] + " {}\n"},
		[2]string{dir + "README.md", "# " + slug + "\n"})
}

// form is the multipart body of POST /v3/releases with the field "file".
func form(filename string, file []byte) ([]byte, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, _ := w.CreateFormFile("file", filename)
	_, _ = fw.Write(file)
	_ = w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func publish(h *fakehost.Host, filename string, file []byte) *sdk.Response {
	body, ct := form(filename, file)
	return fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "POST", Path: "/v3/releases", Repo: h.RepoCtx,
		User: "alice", Body: h.Body(body), Headers: []sdk.Header{{Name: "Content-Type", Value: ct}}})
}

func get(h *fakehost.Host, path, query string) *sdk.Response {
	return fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "GET", Path: path, RawQuery: query, Repo: h.RepoCtx, User: "alice"})
}

func mustStatus(t *testing.T, r *sdk.Response, want int, contains string) {
	t.Helper()
	if body := strings.ReplaceAll(string(r.Bytes), `\"`, `"`); r.Status != want ||
		!strings.Contains(string(r.Bytes), contains) && !strings.Contains(body, contains) {
		t.Fatalf("status %d, want %d containing %q: %s", r.Status, want, contains, r.Bytes)
	}
}

// excludes is what puppet module install asks for (Puppet::Forge::MODULE_RELEASE_EXCLUSIONS).
const excludes = "readme,changelog,license,uri,module,tags,supported,file_size,downloads,created_at,updated_at,deleted_at"

func TestPublishAndAPI(t *testing.T) {
	h := newHost()
	v1, v11 := module("keeper-demo", "1.0.0"), module("keeper-demo", "1.1.0")
	app := module("keeper-app", "0.2.0-rc.1", "keeper/demo")
	mustStatus(t, publish(h, "keeper-demo-1.0.0.tar.gz", v1), 201, `{"slug":"keeper-demo-1.0.0","uri":"/v3/releases/keeper-demo-1.0.0"}`)
	mustStatus(t, publish(h, "pkg/keeper-demo-1.1.0.tar.gz", v11), 201, "")
	mustStatus(t, publish(h, "upload.tgz", app), 201, "")

	rel := get(h, "/v3/releases/keeper-demo-1.0.0", "")
	plugintest.GoldenJSON(t, "golden/release.json", rel.Bytes)
	md5sum := md5.Sum(v1)
	mustStatus(t, rel, 200, `"file_sha256":"`+sha(v1)+`"`)
	mustStatus(t, rel, 200, `"file_md5":"`+hex.EncodeToString(md5sum[:])+`"`)
	mustStatus(t, rel, 200, `"file_uri":"/v3/files/keeper-demo-1.0.0.tar.gz"`)
	if f, ok := h.Files["v3/files/keeper-demo-1.0.0.tar.gz"]; !ok || !bytes.Equal(h.Blobs[f.BlobDigest], v1) {
		t.Fatal("the tarball is not stored byte for byte at the file_uri")
	}

	// What puppet module install reads: sorted by version, newest first, paginated.
	q := "module=keeper-demo&sort_by=version&exclude_fields=" + excludes
	list := get(h, "/v3/releases", q)
	plugintest.GoldenJSON(t, "golden/releases.json", list.Bytes)
	mustStatus(t, list, 200, `"next":null`)
	if s := string(list.Bytes); strings.Index(s, `"version":"1.1.0"`) > strings.Index(s, `"version":"1.0.0"`) ||
		strings.Contains(s, `"readme"`) || !strings.Contains(s, `"file_sha256"`) {
		t.Fatalf("releases: %s", s)
	}
	page := get(h, "/v3/releases", "module=keeper/demo&limit=1")
	mustStatus(t, page, 200, `"next":"/v3/releases?limit=1\u0026module=keeper%2Fdemo\u0026offset=1"`)
	mustStatus(t, page, 200, `"total":2`)
	mustStatus(t, get(h, "/v3/releases", "module=keeper-demo&limit=1&offset=1"), 200, `"version":"1.0.0"`)
	mustStatus(t, get(h, "/v3/releases", "owner=keeper"), 200, `"total":3`)
	mustStatus(t, get(h, "/v3/releases", "module=keeper-nothing"), 200, `"total":0`)
	mustStatus(t, get(h, "/v3/releases", "module=keeper-demo&limit=1000"), 400, "limit")
	mustStatus(t, get(h, "/v3/releases", "module=a.b"), 400, "OWNER-NAME")

	mod := get(h, "/v3/modules/keeper-demo", "")
	plugintest.GoldenJSON(t, "golden/module.json", mod.Bytes)
	mustStatus(t, mod, 200, `"current_release":{`)
	mustStatus(t, get(h, "/v3/modules/keeper-app", ""), 200, `"name":"keeper/demo"`)
	all := get(h, "/v3/modules/keeper-demo/releases", "")
	plugintest.GoldenJSON(t, "golden/module-releases.json", all.Bytes)
	mustStatus(t, all, 200, `"total":2`)
	mods := get(h, "/v3/modules", "query=app")
	plugintest.GoldenJSON(t, "golden/modules.json", mods.Bytes)
	mustStatus(t, mods, 200, `"total":1`)

	// Unknown modules and releases are 404; delete removes the release.
	mustStatus(t, get(h, "/v3/modules/keeper-nothing", ""), 404, "not found")
	mustStatus(t, get(h, "/v3/modules/keeper-nothing/releases", ""), 404, "not found")
	mustStatus(t, get(h, "/v3/releases/keeper-demo-9.9.9", ""), 404, `"message":"release keeper-demo-9.9.9 not found"`)
	mustStatus(t, get(h, "/v3/nothing", ""), 404, "")
	del := fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "DELETE", Path: "/v3/releases/keeper-demo-1.1.0", Repo: h.RepoCtx, User: "alice"})
	if _, ok := h.Files["v3/files/keeper-demo-1.1.0.tar.gz"]; del.Status != 204 || ok {
		t.Fatalf("delete: %d", del.Status)
	}
	mustStatus(t, get(h, "/v3/modules/keeper-demo", ""), 200, `"current_release":{"changelog":null`)
	mustStatus(t, get(h, "/v3/releases", "module=keeper-demo"), 200, `"total":1`)
}

// TestPublishRefusals: every refusal is a 400 (409 for a republish) that
// names the problem, and nothing is stored.
func TestPublishRefusals(t *testing.T) {
	h := newHost()
	mustStatus(t, publish(h, "keeper-demo-1.0.0.tar.gz", module("keeper-demo", "1.0.0")), 201, "")
	before := len(h.Files)
	dir := "keeper-x-1.0.0/"
	meta := [2]string{dir + "metadata.json", metadataJSON("keeper-x", "1.0.0")}
	full := module("keeper-x", "1.0.0")
	bomb := func() []byte {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		tw := tar.NewWriter(zw)
		_ = tw.WriteHeader(&tar.Header{Name: meta[0], Mode: 0o644, Size: int64(len(meta[1])), Typeflag: tar.TypeReg})
		_, _ = tw.Write([]byte(meta[1]))
		const size = maxUnpacked + 1<<20
		_ = tw.WriteHeader(&tar.Header{Name: dir + "files/zeros", Mode: 0o644, Size: size, Typeflag: tar.TypeReg})
		zero := make([]byte, 1<<20)
		for n := 0; n < size; n += len(zero) {
			_, _ = tw.Write(zero)
		}
		_ = tw.Close()
		_ = zw.Close()
		return b.Bytes()
	}()
	for _, c := range []struct {
		name, file string
		body       []byte
		status     int
		want       string
	}{
		{"republish", "keeper-demo-1.0.0.tar.gz", module("keeper-demo", "1.0.0"), 409, "release keeper-demo-1.0.0 already exists"},
		{"not gzip", "keeper-x-1.0.0.tar.gz", []byte("plain text, not a tarball"), 400, "gzip-compressed tar archive"},
		{"truncated", "keeper-x-1.0.0.tar.gz", full[:len(full)/2], 400, "invalid module tarball"},
		{"no metadata", "keeper-x-1.0.0.tar.gz", tarball([2]string{dir + "manifests/init.pp", "class x {}"}), 400, "no metadata.json"},
		{"bad json", "keeper-x-1.0.0.tar.gz", tarball([2]string{dir + "metadata.json", "{"}), 400, "not valid JSON"},
		{"bad name", "x.tar.gz", tarball([2]string{"keeper_x-1.0.0/metadata.json", metadataJSON("keeper_x", "1.0.0")}), 400, `name "keeper_x" is not OWNER-NAME`},
		{"bad version", "x.tar.gz", tarball([2]string{"keeper-x-1.0/metadata.json", metadataJSON("keeper-x", "1.0")}), 400, `version "1.0" is not a semantic version`},
		{"file name mismatch", "keeper-x-2.0.0.tar.gz", full, 400, "does not match metadata.json"},
		{"forged top directory", "x.tar.gz", tarball([2]string{"keeper-demo-1.0.0/metadata.json", meta[1]}), 400, "top directory"},
		{"two top directories", "x.tar.gz", tarball(meta, [2]string{"other/x", "y"}), 400, "not under one top directory"},
		{"path traversal", "x.tar.gz", tarball(meta, [2]string{dir + "../../etc/passwd", "x"}), 400, "not a clean relative path"},
		{"absolute path", "x.tar.gz", tarball(meta, [2]string{"/etc/passwd", "x"}), 400, "not a clean relative path"},
		{"bad dependency", "x.tar.gz", tarball([2]string{meta[0], metadataJSON("keeper-x", "1.0.0", "nope")}), 400, `dependency "nope"`},
		{"metadata too large", "x.tar.gz", tarball([2]string{meta[0], strings.Repeat(" ", maxMetadata+1) + "{}"}), 400, "metadata.json"},
		{"bomb", "x.tar.gz", bomb, 400, "unpacks to more than 256 MiB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			mustStatus(t, publish(h, c.file, c.body), c.status, c.want)
			if len(h.Files) != before || len(h.Versions) != 1 {
				t.Fatalf("a refused upload stored something: %d files", len(h.Files))
			}
		})
	}
	post := func(ct string, body []byte) *sdk.Response {
		return fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "POST", Path: "/v3/releases", Repo: h.RepoCtx, User: "alice",
			Body: h.Body(body), Headers: []sdk.Header{{Name: "Content-Type", Value: ct}}})
	}
	mustStatus(t, post("application/json", []byte(`{"file":""}`)), 400, "multipart/form-data")
	mustStatus(t, post("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nv\r\n--x--\r\n")), 400, `no "file" field`)
	mustStatus(t, fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "POST", Path: "/v3/releases", Repo: h.RepoCtx}), 400, "empty upload")
	mustStatus(t, fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "PUT", Path: "/v3/releases", Repo: h.RepoCtx}), 405, "")
}
