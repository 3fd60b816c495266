package conan_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/conan"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

type env struct {
	t     *testing.T
	h     *fakehost.Host
	clock int64
}

// newEnv is a host whose clock advances a minute at each version or file
// it stores (a revision's time is its files' newest, assembled.go).
func newEnv(t *testing.T) *env {
	h := fakehost.New(&sdk.RepoContext{Key: "cpp", Kind: "local", Format: "conan", BaseURL: "http://k/conan/cpp"})
	e := &env{t: t, h: h, clock: 1717236000000}
	h.VersionClock = func() int64 { e.clock += 60000; return e.clock }
	h.Caller = "alice"
	return e
}

// do sends one request as user ("" is anonymous).
func (e *env) do(user, method, path, query string, body []byte, hdr ...string) *sdk.Response {
	e.t.Helper()
	req := &sdk.Request{Method: method, Path: path, RawQuery: query, Repo: e.h.RepoCtx, User: user, BaseURL: "http://k"}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Headers = append(req.Headers, sdk.Header{Name: hdr[i], Value: hdr[i+1]})
	}
	if body != nil {
		req.Body = e.h.Body(body)
	}
	resp := fakehost.Serve(conan.Plugin{}, e.h, req)
	for p, f := range e.h.Files {
		if f.CreatedMs == 0 {
			e.clock += 60000
			f.CreatedMs = e.clock
			e.h.Files[p] = f
		}
	}
	return resp
}

func (e *env) want(r *sdk.Response, status int, contains string) {
	e.t.Helper()
	if r.Status != status || !strings.Contains(string(r.Bytes), contains) {
		e.t.Fatalf("status %d %s, want %d containing %q", r.Status, r.Bytes, status, contains)
	}
}

func header(r *sdk.Response, name string) string {
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// put uploads a revision's files as FileUploader.upload does: PUT with
// X-Checksum-Sha1, in name order.
func (e *env) put(u upload, path func(string) string) {
	e.t.Helper()
	for _, name := range u.order() {
		r := e.do("alice", "PUT", path(name), "", u.files[name], "X-Checksum-Sha1", sha1hex(u.files[name]))
		e.want(r, 201, "")
	}
}

// TestPing replays RestV2Methods.server_capabilities: the client pings
// v1/ping (ClientV2Router.ping, "FIXME: The v2 ping is not returning
// capabilities") and refuses a remote without the "revisions" capability.
func TestPing(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/v1/ping", "/v2/ping"} {
		r := e.do("", "GET", p, "", nil)
		if r.Status != 200 || header(r, "X-Conan-Server-Capabilities") != "revisions" {
			t.Fatalf("%s: %d %v", p, r.Status, r.Headers)
		}
	}
	e.want(e.do("", "POST", "/v1/ping", "", nil), 405, "not allowed")
}

// TestAuthenticate replays `conan remote login` (RestV2Methods.authenticate:
// GET v2/users/authenticate with Basic, the body is the token) and
// check_credentials (GET with the Bearer token; "Bearer unset" when forced,
// which the host refuses before the plugin).
func TestAuthenticate(t *testing.T) {
	e := newEnv(t)
	r := e.do("alice", "GET", "/v2/users/authenticate", "", nil)
	if r.Status != 200 || string(r.Bytes) != "fake-session-alice-1" || header(r, "Content-Type") != "text/plain" {
		t.Fatalf("authenticate: %d %q %v", r.Status, r.Bytes, r.Headers)
	}
	e.want(e.do("", "GET", "/v2/users/authenticate", "", nil), 401, `"message":"wrong user or password"`)
	e.want(e.do("alice", "GET", "/v2/users/check_credentials", "", nil), 200, `"alice"`)
	r = e.do("", "GET", "/v1/users/check_credentials", "", nil)
	e.want(r, 401, `{"errors":[{"status":401,"message":"logged user needed"}]}`)
	if header(r, "Content-Type") != "application/json" {
		t.Fatalf("error content type %v", r.Headers)
	}
}

// TestUploadThenInstall replays `conan upload hello/1.0 -r keeper -c` then
// `conan install --requires=hello/1.0 -r keeper` (Conan 2.x,
// conans/client/rest/rest_client_v2.py): the existence checks answer 404,
// the files go up in name order, then a consumer asks for the latest
// revisions, lists the files and downloads them.
func TestUploadThenInstall(t *testing.T) {
	e := newEnv(t)
	f := newFixture()

	// Upload: get_recipe_revision_reference lists the revisions first.
	e.want(e.do("alice", "GET", refPath+"/revisions", "", nil), 404, "Recipe not found: 'hello/1.0'")
	e.put(f.recipe, f.recipeFile)
	e.want(e.do("alice", "GET", f.packagePath()+"/revisions", "", nil), 404, "Binary package not found")
	e.put(f.pkg, f.packageFile)

	// Install: latest recipe revision, its files, the latest package revision, its files.
	r := e.do("", "GET", refPath+"/latest", "", nil)
	e.want(r, 200, f.recipe.rev)
	if header(r, "Content-Type") != "application/json" {
		t.Fatalf("content type %v", r.Headers)
	}
	plugintest.GoldenJSON(t, "golden/recipe-latest.json", r.Bytes)
	r = e.do("", "GET", refPath+"/revisions/"+f.recipe.rev+"/files", "", nil)
	e.want(r, 200, "conanmanifest.txt")
	plugintest.GoldenJSON(t, "golden/recipe-files.json", r.Bytes)
	for name, want := range f.recipe.files {
		r := e.do("", "GET", f.recipeFile(name), "", nil)
		if r.Status != 200 || r.Kind != sdk.BodyServePath || string(e.h.Blobs[e.h.Files[r.Target].BlobDigest]) != string(want) {
			t.Fatalf("download %s: %d %s", name, r.Status, r.Target)
		}
	}
	r = e.do("", "GET", f.packagePath()+"/latest", "", nil)
	e.want(r, 200, f.pkg.rev)
	plugintest.GoldenJSON(t, "golden/package-latest.json", r.Bytes)
	r = e.do("", "GET", f.packagePath()+"/revisions/"+f.pkg.rev+"/files", "", nil)
	plugintest.GoldenJSON(t, "golden/package-files.json", r.Bytes)
	r = e.do("", "GET", f.packageFile("conan_package.tgz"), "", nil)
	if r.Status != 200 || string(e.h.Blobs[e.h.Files[r.Target].BlobDigest]) != string(f.pkg.files["conan_package.tgz"]) {
		t.Fatalf("package download: %d", r.Status)
	}

	// `conan list "hello/1.0:*" -r keeper`: the binaries with their conaninfo.
	r = e.do("", "GET", refPath+"/revisions/"+f.recipe.rev+"/search", "", nil)
	var pkgs map[string]struct{ Content string }
	if err := json.Unmarshal(r.Bytes, &pkgs); err != nil || pkgs[f.pkgid].Content != conaninfo {
		t.Fatalf("package search: %s %v", r.Bytes, err)
	}
	plugintest.GoldenJSON(t, "golden/package-search.json", r.Bytes)
	e.want(e.do("", "GET", refPath+"/search", "", nil), 200, f.pkgid)

	// A second recipe revision becomes the latest; both are listed, newest first.
	f2 := newFixture()
	f2.recipe.files["conanfile.py"] = []byte(strings.Replace(conanfile, `license = "MIT"`, `license = "BSD"`, 1))
	man, rev := manifest(map[string][]byte{"conanfile.py": f2.recipe.files["conanfile.py"], "export_source/include/hello.h": []byte(helloH)})
	f2.recipe.files["conanmanifest.txt"], f2.recipe.rev = []byte(man), rev
	e.put(f2.recipe, f2.recipeFile)
	e.want(e.do("", "GET", refPath+"/latest", "", nil), 200, f2.recipe.rev)
	r = e.do("", "GET", refPath+"/revisions", "", nil)
	plugintest.GoldenJSON(t, "golden/recipe-revisions.json", r.Bytes)
	r = e.do("", "GET", f.packagePath()+"/revisions", "", nil)
	plugintest.GoldenJSON(t, "golden/package-revisions.json", r.Bytes)
	e.want(e.do("", "GET", refPath+"/search", "", nil), 200, "{}") // the new revision has no binaries yet
}
