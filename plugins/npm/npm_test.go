package npm_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/npm"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// do runs one request natively; hdr are name/value pairs.
func do(t testing.TB, h *testHost, user, method, path string, body []byte, hdr ...string) *sdk.Response {
	t.Helper()
	req := &sdk.Request{Method: method, Path: path, Repo: h.RepoCtx, User: user, BaseURL: "http://keeper.test"}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		req.Path, req.RawQuery = path[:i], path[i+1:]
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Headers = append(req.Headers, sdk.Header{Name: hdr[i], Value: hdr[i+1]})
	}
	if body != nil {
		req.Body = &sdk.Body{Digest: h.AddBlob(body), Size: uint64(len(body))}
	}
	resp, err := sdk.CallHandle(npm.Plugin{}, h, req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if resp.Status < 400 {
		h.commit()
	} else {
		h.discard()
	}
	return resp
}

func want(t testing.TB, r *sdk.Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Bytes)
	}
	if status >= 400 {
		var e struct{ Error string }
		if json.Unmarshal(r.Bytes, &e) != nil || e.Error == "" {
			t.Fatalf("error body is not npm's {\"error\":…}: %s", r.Bytes)
		}
	}
}

// makeTgz builds an npm tarball of name@version.
func makeTgz(t testing.TB, name, version string, extra map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	files := map[string]string{"package/package.json": `{"name":"` + name + `","version":"` + version + `"}`}
	for k, v := range extra {
		files[k] = v
	}
	for n, c := range files {
		_ = tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(c)), Typeflag: tar.TypeReg})
		_, _ = tw.Write([]byte(c))
	}
	_ = tw.Close()
	_ = zw.Close()
	return buf.Bytes()
}

func sri(b []byte) (string, string) {
	s := sha512.Sum512(b)
	s1 := sha1.Sum(b)
	return "sha512-" + base64.StdEncoding.EncodeToString(s[:]), hex.EncodeToString(s1[:])
}

// publishDoc builds the document npm publish sends.
func publishDoc(name, version string, tgz []byte, tags map[string]string, mutate func(v map[string]any)) []byte {
	integrity, shasum := sri(tgz)
	v := map[string]any{"name": name, "version": version, "_id": name + "@" + version,
		"dist": map[string]any{"integrity": integrity, "shasum": shasum, "tarball": "http://elsewhere/x.tgz"}}
	if mutate != nil {
		mutate(v)
	}
	if tags == nil {
		tags = map[string]string{"latest": version}
	}
	doc := map[string]any{"_id": name, "name": name, "dist-tags": tags, "versions": map[string]any{version: v},
		"_attachments": map[string]any{name + "-" + version + ".tgz": map[string]any{
			"content_type": "application/octet-stream", "data": base64.StdEncoding.EncodeToString(tgz), "length": len(tgz)}}}
	b, _ := json.Marshal(doc)
	return b
}

func TestPublishAndRead(t *testing.T) {
	h := newHost()
	want(t, do(t, h, "bob", "PUT", "/hello-keeper", fixture(t, "publish-hello.json")), 201)
	want(t, do(t, h, "bob", "PUT", "/@kp%2futil", fixture(t, "publish-scoped.json")), 201)

	tgz := fixture(t, "hello-keeper-1.0.0.tgz")
	f := h.Files["hello-keeper/-/hello-keeper-1.0.0.tgz"]
	if !bytes.Equal(h.Blobs[f.BlobDigest], tgz) || f.Package != "hello-keeper" || f.Version != "1.0.0" {
		t.Fatalf("stored tarball %+v differs from the npm pack output", f)
	}
	if _, ok := h.Files["@kp/util/-/util-2.0.0.tgz"]; !ok {
		t.Fatalf("scoped tarball not at @kp/util/-/util-2.0.0.tgz: %v", h.Files)
	}

	full := get(t, h, "", "/hello-keeper")
	want(t, full, 200)
	plugintest.GoldenJSON(t, "golden/packument-hello-full.json", full.Bytes)
	if full.CacheTTLMs == 0 {
		t.Fatal("packument not cacheable")
	}
	var doc struct {
		DistTags map[string]string `json:"dist-tags"`
		Versions map[string]struct {
			Dist struct{ Integrity, Shasum, Tarball string }
		}
	}
	if err := json.Unmarshal(full.Bytes, &doc); err != nil {
		t.Fatal(err)
	}
	integrity, shasum := sri(tgz)
	d := doc.Versions["1.0.0"].Dist
	if d.Integrity != integrity || d.Shasum != shasum || d.Tarball != "http://keeper.test/npm/js/hello-keeper/-/hello-keeper-1.0.0.tgz" {
		t.Fatalf("dist %+v, want %s %s", d, integrity, shasum)
	}
	if doc.DistTags["latest"] != "1.0.0" {
		t.Fatalf("dist-tags %v", doc.DistTags)
	}

	abbrev := get(t, h, "", "/@kp%2futil", "Accept", "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*")
	want(t, abbrev, 200)
	plugintest.GoldenJSON(t, "golden/packument-util-abbreviated.json", abbrev.Bytes)
	if abbrev.Headers[0].Value != "application/vnd.npm.install-v1+json" {
		t.Fatalf("content type %v", abbrev.Headers)
	}
	if !strings.Contains(string(abbrev.Bytes), `"tarball":"http://keeper.test/npm/js/@kp/util/-/util-2.0.0.tgz"`) {
		t.Fatalf("abbreviated lost dist: %s", abbrev.Bytes)
	}
	slash := get(t, h, "", "/@kp/util", "Accept", "application/vnd.npm.install-v1+json")
	if !bytes.Equal(slash.Bytes, abbrev.Bytes) {
		t.Fatal("@kp/util and @kp%2futil differ")
	}
	plugintest.GoldenJSON(t, "golden/packument-util-full.json", get(t, h, "", "/@kp%2Futil").Bytes)

	for _, p := range []string{"/hello-keeper/1.0.0", "/hello-keeper/latest"} {
		r := get(t, h, "", p)
		want(t, r, 200)
		plugintest.GoldenJSON(t, "golden/version-hello-1.0.0.json", r.Bytes)
	}
	r := get(t, h, "", "/hello-keeper/-/hello-keeper-1.0.0.tgz")
	if r.Status != 200 || r.Kind != sdk.BodyServePath || r.Target != "hello-keeper/-/hello-keeper-1.0.0.tgz" {
		t.Fatalf("tarball response %+v", r)
	}

	t.Run("not found", func(t *testing.T) {
		for _, p := range []string{"/nope", "/hello-keeper/9.9.9", "/hello-keeper/-/hello-keeper-9.9.9.tgz",
			"/hello-keeper/a/b/c", "/@kp%2fnope", "/-/nothing", "/-/package/nope/dist-tags"} {
			want(t, get(t, h, "", p), 404)
		}
	})
	t.Run("republish is a conflict", func(t *testing.T) {
		r := do(t, h, "bob", "PUT", "/hello-keeper", fixture(t, "publish-hello.json"))
		want(t, r, 409)
		if !strings.Contains(string(r.Bytes), "cannot publish over the previously published versions") {
			t.Fatalf("%s", r.Bytes)
		}
	})
}

func TestPublishRejects(t *testing.T) {
	good := makeTgz(t, "pkg", "1.0.0", nil)
	cases := []struct {
		name   string
		path   string
		body   []byte
		status int
		msg    string
	}{
		{"not JSON", "/pkg", []byte(`{"versions":`), 400, "not valid JSON"},
		{"name differs from URL", "/other", publishDoc("pkg", "1.0.0", good, nil, nil), 400, "does not match"},
		{"integrity mismatch", "/pkg", publishDoc("pkg", "1.0.0", good, nil, func(v map[string]any) {
			v["dist"].(map[string]any)["integrity"] = "sha512-" + base64.StdEncoding.EncodeToString(make([]byte, 64))
		}), 400, "dist.integrity"},
		{"shasum mismatch", "/pkg", publishDoc("pkg", "1.0.0", good, nil, func(v map[string]any) {
			v["dist"].(map[string]any)["shasum"] = strings.Repeat("0", 40)
		}), 400, "dist.shasum"},
		{"tarball of another package", "/pkg", publishDoc("pkg", "1.0.0", makeTgz(t, "evil", "1.0.0", nil), nil, nil), 400, "not pkg@1.0.0"},
		{"not gzip", "/pkg", publishDoc("pkg", "1.0.0", []byte("plain text"), nil, nil), 400, "not a gzip"},
		{"bad version", "/pkg", publishDoc("pkg", "one", good, nil, nil), 400, "invalid version"},
		{"bad name", "/Bad%20Name", publishDoc("Bad Name", "1.0.0", good, nil, nil), 404, "package name"},
		{"bad base64", "/pkg", bytes.Replace(publishDoc("pkg", "1.0.0", good, nil, nil), []byte(`"data":"`), []byte(`"data":"!!`), 1), 400, "base64"},
		{"no package.json", "/pkg", publishDoc("pkg", "1.0.0", makeTgz(t, "pkg", "1.0.0", nil)[:30], nil, nil), 400, "tarball"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHost()
			r := do(t, h, "bob", "PUT", c.path, c.body)
			want(t, r, c.status)
			if !strings.Contains(string(r.Bytes), c.msg) {
				t.Fatalf("error %s does not mention %q", r.Bytes, c.msg)
			}
			if len(h.Files) != 0 || len(h.Versions) != 0 {
				t.Fatal("a refused publish stored something")
			}
		})
	}
}

func TestGzipBombRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 600 MiB archive")
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	pj := `{"name":"bomb","version":"1.0.0"}`
	_ = tw.WriteHeader(&tar.Header{Name: "package/package.json", Mode: 0o644, Size: int64(len(pj))})
	_, _ = tw.Write([]byte(pj))
	const big = 600 << 20
	_ = tw.WriteHeader(&tar.Header{Name: "package/zeros", Mode: 0o644, Size: big})
	zero := make([]byte, 1<<20)
	for i := 0; i < big>>20; i++ {
		_, _ = tw.Write(zero)
	}
	_ = tw.Close()
	_ = zw.Close()
	h := newHost()
	r := do(t, h, "bob", "PUT", "/bomb", publishDoc("bomb", "1.0.0", buf.Bytes(), nil, nil))
	want(t, r, 400)
	if !strings.Contains(string(r.Bytes), "unpacks to more than") {
		t.Fatalf("%s", r.Bytes)
	}
}

func TestDistTagsDeprecateUnpublish(t *testing.T) {
	h := newHost()
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0-beta.1"} {
		tags := map[string]string{"latest": v}
		if strings.Contains(v, "beta") {
			tags = map[string]string{"next": v}
		}
		want(t, do(t, h, "bob", "PUT", "/pkg", publishDoc("pkg", v, makeTgz(t, "pkg", v, nil), tags, nil)), 201)
	}
	tagsOf := func() map[string]string {
		r := get(t, h, "", "/-/package/pkg/dist-tags")
		want(t, r, 200)
		var m map[string]string
		_ = json.Unmarshal(r.Bytes, &m)
		return m
	}
	if m := tagsOf(); m["latest"] != "1.1.0" || m["next"] != "2.0.0-beta.1" || len(m) != 2 {
		t.Fatalf("tags %v", m)
	}
	want(t, do(t, h, "bob", "PUT", "/-/package/pkg/dist-tags/stable", []byte(`"1.0.0"`)), 201)
	want(t, do(t, h, "bob", "PUT", "/-/package/pkg/dist-tags/stable", []byte(`"9.9.9"`)), 404)
	want(t, do(t, h, "bob", "PUT", "/-/package/pkg/dist-tags/1.0.0", []byte(`"1.0.0"`)), 400)
	want(t, do(t, h, "bob", "PUT", "/-/package/pkg/dist-tags/x", []byte(`1.0.0`)), 400)
	if m := tagsOf(); m["stable"] != "1.0.0" {
		t.Fatalf("tags %v", m)
	}
	want(t, do(t, h, "bob", "DELETE", "/-/package/pkg/dist-tags/stable", nil), 201)
	want(t, do(t, h, "bob", "DELETE", "/-/package/pkg/dist-tags/stable", nil), 404)
	want(t, do(t, h, "bob", "DELETE", "/-/package/pkg/dist-tags/latest", nil), 400)

	// npm deprecate: GET ?write=true, set versions[v].deprecated, PUT the doc back.
	full := get(t, h, "bob", "/pkg?write=true")
	var doc map[string]any
	_ = json.Unmarshal(full.Bytes, &doc)
	doc["versions"].(map[string]any)["1.0.0"].(map[string]any)["deprecated"] = "use 1.1.0"
	body, _ := json.Marshal(doc)
	want(t, do(t, h, "bob", "PUT", "/pkg", body), 200)
	abbrev := get(t, h, "", "/pkg", "Accept", "application/vnd.npm.install-v1+json")
	if !strings.Contains(string(abbrev.Bytes), `"deprecated":"use 1.1.0"`) {
		t.Fatalf("deprecation missing: %s", abbrev.Bytes)
	}
	plugintest.GoldenJSON(t, "golden/packument-pkg-abbreviated.json", abbrev.Bytes)

	// npm unpublish pkg@1.1.0: PUT the doc without the version and with
	// adjusted tags, then DELETE the tarball below the doubled base path.
	_ = json.Unmarshal(get(t, h, "bob", "/pkg?write=true").Bytes, &doc)
	delete(doc["versions"].(map[string]any), "1.1.0")
	doc["dist-tags"] = map[string]any{"latest": "1.0.0", "next": "2.0.0-beta.1"}
	body, _ = json.Marshal(doc)
	want(t, do(t, h, "bob", "PUT", "/pkg/-rev/3-1", body), 200)
	if vs := h.versionsOf("pkg"); len(vs) != 3 {
		t.Fatalf("a PUT alone removed versions: %v", vs)
	}
	want(t, do(t, h, "admin", "DELETE", "/npm/js/pkg/-/pkg-1.1.0.tgz/-rev/4-1", nil), 200)
	if vs := h.versionsOf("pkg"); strings.Join(vs, ",") != "1.0.0,2.0.0-beta.1" {
		t.Fatalf("versions after unpublish %v", vs)
	}
	if _, ok := h.Files["pkg/-/pkg-1.1.0.tgz"]; ok {
		t.Fatal("tarball kept")
	}
	if m := tagsOf(); m["latest"] != "1.0.0" {
		t.Fatalf("tags %v", m)
	}
	want(t, get(t, h, "", "/pkg/1.1.0"), 404)

	// npm unpublish pkg --force
	want(t, do(t, h, "admin", "DELETE", "/pkg/-rev/5-1", nil), 200)
	want(t, get(t, h, "", "/pkg"), 404)
	if len(h.Files) != 0 || len(h.KV) != 0 {
		t.Fatalf("left behind %v %v", h.Files, h.KV)
	}
}

func TestAccountEndpoints(t *testing.T) {
	h := newHost()
	want(t, get(t, h, "", "/-/whoami"), 401)
	r := get(t, h, "bob", "/-/whoami")
	if r.Status != 200 || string(r.Bytes) != `{"username":"bob"}` {
		t.Fatalf("whoami %d %s", r.Status, r.Bytes)
	}
	login := func(user, pass string) *sdk.Response {
		b, _ := json.Marshal(map[string]any{"_id": "org.couchdb.user:" + user, "name": user, "password": pass, "type": "user", "roles": []string{}})
		return do(t, h, "", "PUT", "/-/user/org.couchdb.user:"+user, b)
	}
	r = login("bob", "bobs-password")
	want(t, r, 201)
	var ok struct{ Token string }
	_ = json.Unmarshal(r.Bytes, &ok)
	if ok.Token != "fake-token-bob-1" {
		t.Fatalf("login %s", r.Bytes)
	}
	want(t, login("bob", "wrong"), 401)
	want(t, login("mallory", "x"), 401)
	b, _ := json.Marshal(map[string]any{"name": "alice", "password": "p"})
	want(t, do(t, h, "", "PUT", "/-/user/org.couchdb.user:bob", b), 400)
	if len(h.StagedFiles)+len(h.StagedKV)+len(h.Files) != 0 {
		t.Fatal("login staged writes")
	}

	r = do(t, h, "", "POST", "/-/npm/v1/security/advisories/bulk", []byte(`{"hello-keeper":["1.0.0"]}`))
	if r.Status != 200 || string(r.Bytes) != "{}" {
		t.Fatalf("audit %d %s", r.Status, r.Bytes)
	}
	want(t, do(t, h, "bob", "PUT", "/hello-keeper", fixture(t, "publish-hello.json")), 201)
	r = get(t, h, "", "/-/v1/search?text=hello&size=5")
	var res struct {
		Objects []struct {
			Package struct{ Name, Version string }
		}
		Total int
	}
	if err := json.Unmarshal(r.Bytes, &res); err != nil || res.Total != 1 || res.Objects[0].Package.Name != "hello-keeper" || res.Objects[0].Package.Version != "1.0.0" {
		t.Fatalf("search %s", r.Bytes)
	}
}

func TestDescribe(t *testing.T) {
	info, err := sdk.DescribePlugin(npm.Plugin{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Key != "npm" || len(info.Mounts) != 1 || info.Mounts[0].Prefix != "/npm/" ||
		len(info.Mounts[0].AnonymousPaths) != 3 || info.Mounts[0].AnonymousPaths[0] != "/-/user/org.couchdb.user:*" {
		t.Fatalf("%+v", info)
	}
}

func get(t testing.TB, h *testHost, user, path string, hdr ...string) *sdk.Response {
	t.Helper()
	return do(t, h, user, "GET", path, nil, hdr...)
}
