package jetbrains_test

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/jetbrains"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const base = "http://k/jetbrains/ide"

type env struct {
	t *testing.T
	h *fakehost.Host
}

func newEnv(t *testing.T) *env {
	return &env{t: t, h: fakehost.New(&sdk.RepoContext{Key: "ide", Kind: "local", Format: "jetbrains", BaseURL: base})}
}

func (e *env) do(user, method, path, query string, body []byte, hdr ...string) *sdk.Response {
	e.t.Helper()
	req := &sdk.Request{Method: method, Path: path, RawQuery: query, Repo: e.h.RepoCtx, User: user}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Headers = append(req.Headers, sdk.Header{Name: hdr[i], Value: hdr[i+1]})
	}
	if body != nil {
		req.Body = e.h.Body(body)
	}
	return fakehost.Serve(jetbrains.Plugin{}, e.h, req)
}

func (e *env) want(r *sdk.Response, status int, contains string) {
	e.t.Helper()
	if r.Status != status || !strings.Contains(string(r.Bytes), contains) {
		e.t.Fatalf("status %d %s, want %d containing %q", r.Status, r.Bytes, status, contains)
	}
}

func (e *env) upload(user, filename string, file []byte, fields ...string) *sdk.Response {
	body, ct := multipartBody(filename, file, fields...)
	return e.do(user, "POST", "/plugin/uploadPlugin", "", body, "Content-Type", ct)
}

// TestUploadThenUpdate uploads a .zip and a .jar plugin and reads what the
// IDE reads: updatePlugins.xml and plugins/list/ filtered by its build,
// then the file.
func TestUploadThenUpdate(t *testing.T) {
	e := newEnv(t)
	e.want(e.upload("alice", "keeper-demo-1.0.0.zip", pluginZip("com.example.demo", "1.0.0", "223", "232.*")), 200, `"version":"1.0.0"`)
	e.want(e.upload("alice", "keeper-demo-2.0.0.zip", pluginZip("com.example.demo", "2.0.0", "241", "")), 200, `"version":"2.0.0"`)
	e.want(e.upload("alice", "tool.jar", pluginJar("com.example.tool", "0.3", "231.9011", "241.*"), "xmlId", "com.example.tool"), 200, "com.example.tool")

	r := e.do("", "GET", "/updatePlugins.xml", "", nil)
	e.want(r, 200, `<plugin id="com.example.demo" url="`+base+`/plugins/com.example.demo/2.0.0/com.example.demo-2.0.0.zip" version="2.0.0">`)
	plugintest.Golden(t, "golden/updatePlugins.xml", r.Bytes)
	for build, want := range map[string]string{
		"IC-232.10227.8": `version="1.0.0"`, "IU-241.14494.240": `version="2.0.0"`, "IC-222.1": "<plugins></plugins>",
	} {
		r := e.do("", "GET", "/updatePlugins.xml", "build="+build, nil)
		e.want(r, 200, want)
		if build == "IC-232.10227.8" && !strings.Contains(string(r.Bytes), `id="com.example.tool"`) {
			t.Fatalf("232 should see the tool: %s", r.Bytes)
		}
	}
	r = e.do("", "GET", "/plugins/list/", "build=IC-241.1", nil)
	e.want(r, 200, `<download-url>`+base+`/plugins/com.example.tool/0.3/com.example.tool-0.3.jar</download-url>`)
	plugintest.Golden(t, "golden/plugins-list.xml", r.Bytes)

	r = e.do("", "GET", "/plugin/download", "pluginId=com.example.demo&build=IC-232.1", nil)
	if r.Status != 302 || !strings.HasSuffix(r.Headers[0].Value, "/plugins/com.example.demo/1.0.0/com.example.demo-1.0.0.zip") {
		t.Fatalf("download: %d %v", r.Status, r.Headers)
	}
	f := e.h.Files["plugins/com.example.demo/1.0.0/com.example.demo-1.0.0.zip"]
	if string(e.h.Blobs[f.BlobDigest]) != string(pluginZip("com.example.demo", "1.0.0", "223", "232.*")) {
		t.Fatal("stored file is not the upload")
	}
}

func TestRefusals(t *testing.T) {
	e := newEnv(t)
	good := pluginZip("com.example.demo", "1.0.0", "223", "")
	e.want(e.upload("alice", "d.zip", good), 200, "1.0.0")
	n := len(e.h.Files)
	for _, c := range []struct {
		name, user, file string
		body             []byte
		fields           []string
		status           int
		msg              string
	}{
		{"anonymous", "", "d.zip", good, nil, 401, "token"},
		{"republish", "alice", "d.zip", good, nil, 409, "already exists"},
		{"not a zip", "alice", "d.zip", []byte("hello"), nil, 400, "not a readable"},
		{"truncated", "alice", "d.zip", good[:len(good)/2], nil, 400, "not a readable"},
		{"no plugin.xml", "alice", "d.zip", zipOf(map[string][]byte{"x/lib/a.jar": zipOf(map[string][]byte{"a": []byte("a")})}), nil, 400, "no META-INF/plugin.xml"},
		{"bad XML", "alice", "d.jar", zipOf(map[string][]byte{"META-INF/plugin.xml": []byte("<idea-plugin><id>x</id>")}), nil, 400, "not valid XML"},
		{"bad id", "alice", "d.jar", pluginJar("../evil", "1.0", "223", ""), nil, 400, "not a plugin id"},
		{"bad version", "alice", "d.jar", pluginJar("com.x", "1/../2", "223", ""), nil, 400, "not a plugin version"},
		{"bad build", "alice", "d.jar", pluginJar("com.x", "1.0", "abc", ""), nil, 400, "build numbers"},
		{"xmlId mismatch", "alice", "d.zip", pluginZip("com.example.other", "1.0.0", "223", ""), []string{"xmlId", "com.example.demo"}, 400, "is not the id"},
		{"not zip or jar", "alice", "d.exe", good, nil, 400, ".zip or .jar"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.upload(c.user, c.file, c.body, c.fields...)
			if r.Status != c.status || !strings.Contains(string(r.Bytes), c.msg) {
				t.Fatalf("%d %s, want %d %q", r.Status, r.Bytes, c.status, c.msg)
			}
			if len(e.h.Files) != n {
				t.Fatal("a refused upload stored a file")
			}
		})
	}
	e.want(e.do("", "GET", "/plugin/download", "pluginId=nope", nil), 404, "no version")
	e.want(e.do("", "GET", "/plugin/download", "", nil), 400, "pluginId")
	e.want(e.do("", "GET", "/nope", "", nil), 404, "not found")
	e.want(e.do("alice", "DELETE", "/updatePlugins.xml", "", nil), 405, "not allowed")
}

func TestRewriteAndMerge(t *testing.T) {
	p := jetbrains.Plugin{}
	for path, want := range map[string]sdk.CacheClass{
		"/plugins/com.x/1.0/com.x-1.0.zip": sdk.Immutable, "/updatePlugins.xml": sdk.Mutable, "/plugins/list/": sdk.Mutable,
	} {
		if got := p.Classify(path); got != want {
			t.Errorf("Classify(%s) = %v", path, got)
		}
	}
	up := newEnv(t)
	up.want(up.upload("alice", "d.zip", pluginZip("com.example.demo", "2.0.0", "241", "")), 200, "2.0.0")
	up.want(up.upload("alice", "t.jar", pluginJar("com.example.tool", "0.3", "231", "")), 200, "0.3")
	doc := strings.Replace(string(up.do("", "GET", "/updatePlugins.xml", "", nil).Bytes),
		base+"/plugins/com.example.tool/0.3/com.example.tool-0.3.jar", "https://cdn.example.invalid/t.jar", 1)
	got, err := p.Rewrite(nil, "/updatePlugins.xml", []byte(doc), base, "http://px/jetbrains/proxy")
	if err != nil || !strings.Contains(string(got), `url="http://px/jetbrains/proxy/plugins/com.example.demo/2.0.0/com.example.demo-2.0.0.zip"`) ||
		!strings.Contains(string(got), `url="http://px/jetbrains/proxy/~ext/https/cdn.example.invalid/t.jar"`) {
		t.Fatalf("rewritten: %s %v", got, err)
	}
	plugintest.Golden(t, "golden/remote-updatePlugins.xml", got)
	if _, err := p.Rewrite(nil, "/updatePlugins.xml", []byte("{}"), base, "http://px/jetbrains/proxy"); err == nil {
		t.Fatal("a non-document passed")
	}
	list := up.do("", "GET", "/plugins/list/", "", nil).Bytes
	got2, err := p.Rewrite(nil, "/plugins/list/", list, base, "http://px/jetbrains/proxy")
	if err != nil || strings.Contains(string(got2), base) || !strings.Contains(string(got2), "<download-url>http://px/jetbrains/proxy/plugins/com.example.demo/2.0.0/") {
		t.Fatalf("rewritten list: %s %v", got2, err)
	}
	local := newEnv(t)
	local.want(local.upload("alice", "d.zip", pluginZip("com.example.demo", "1.0.0", "223", "")), 200, "1.0.0")
	h := fakehost.New(&sdk.RepoContext{Key: "all", Kind: "virtual", Format: "jetbrains", BaseURL: "http://k/jetbrains/all"})
	merged, err := p.Merge(h, "/updatePlugins.xml", [][]byte{local.do("", "GET", "/updatePlugins.xml", "", nil).Bytes, got})
	if err != nil || strings.Count(string(merged), "<plugin ") != 2 ||
		!strings.Contains(string(merged), `url="http://k/jetbrains/all/plugins/com.example.demo/2.0.0/com.example.demo-2.0.0.zip" version="2.0.0"`) {
		t.Fatalf("merged: %s %v", merged, err)
	}
	plugintest.Golden(t, "golden/virtual-updatePlugins.xml", merged)
	r := fakehost.Serve(p, h, &sdk.Request{Method: "GET", Path: "/updatePlugins.xml", RawQuery: "build=IC-241.1", Repo: h.RepoCtx})
	if r.Status != 302 || r.Headers[0].Value != "http://k/jetbrains/all/updatePlugins.xml" {
		t.Fatalf("a virtual's filtered list: %d %v", r.Status, r.Headers)
	}
}
