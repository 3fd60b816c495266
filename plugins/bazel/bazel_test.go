package bazel_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/bazel"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const base = "http://k/bazel/bzl"

type env struct {
	t *testing.T
	h *fakehost.Host
}

func newEnv(t *testing.T) *env {
	return &env{t: t, h: fakehost.New(&sdk.RepoContext{Key: "bzl", Kind: "local", Format: "bazel", BaseURL: base})}
}

func (e *env) do(method, path string, body []byte) *sdk.Response {
	e.t.Helper()
	req := &sdk.Request{Method: method, Path: path, Repo: e.h.RepoCtx, User: "alice"}
	if body != nil {
		req.Body = e.h.Body(body)
	}
	return fakehost.Serve(bazel.Plugin{}, e.h, req)
}

func (e *env) want(r *sdk.Response, status int, contains string) {
	e.t.Helper()
	if r.Status != status || !strings.Contains(string(r.Bytes), contains) {
		e.t.Fatalf("status %d %s, want %d containing %q", r.Status, r.Bytes, status, contains)
	}
}

func targz(files map[string]string) []byte {
	return plugintest.TarGz(files)
}

// moduleArchive is a source archive as `git archive --prefix=NAME-VERSION/` makes it.
func moduleArchive(name, version string) []byte {
	dir := name + "-" + version + "/"
	return targz(map[string]string{
		dir + "MODULE.bazel": "module(\n    name = \"" + name + "\",\n    version = \"" + version + "\",\n    compatibility_level = 1,\n)\n\nbazel_dep(name = \"rules_cc\", version = \"0.0.9\")\n",
		dir + "BUILD.bazel":  "cc_library(name = \"" + name + "\", srcs = [\"a.cc\"])\n",
		dir + "a.cc":         "int f() { return 1; }\n",
	})
}

func sri(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256-" + base64.StdEncoding.EncodeToString(s[:])
}

// TestPublishAndFetch publishes two versions and reads what Bazel's
// registry client reads (bazel_registry.json, metadata.json, MODULE.bazel,
// source.json, then the archive, checked against the integrity).
func TestPublishAndFetch(t *testing.T) {
	e := newEnv(t)
	a1, a2 := moduleArchive("demo", "1.0.0"), moduleArchive("demo", "1.1.0")
	e.want(e.do("PUT", "/modules/demo/1.0.0/archive", a1), 201, `"version":"1.0.0"`)
	e.want(e.do("PUT", "/modules/demo/1.1.0/archive", a2), 201, "source.json")

	r := e.do("GET", "/bazel_registry.json", nil)
	e.want(r, 200, `"mirrors"`)
	plugintest.Golden(t, "golden/bazel_registry.json", r.Bytes)
	r = e.do("GET", "/modules/demo/metadata.json", nil)
	e.want(r, 200, `"1.1.0"`)
	plugintest.Golden(t, "golden/metadata.json", r.Bytes)
	r = e.do("GET", "/modules/demo/1.0.0/source.json", nil)
	e.want(r, 200, sri(a1))
	e.want(r, 200, `"url": "`+base+`/archives/demo/1.0.0/demo-1.0.0.tar.gz"`)
	e.want(r, 200, `"strip_prefix": "demo-1.0.0"`)
	plugintest.Golden(t, "golden/source.json", r.Bytes)
	mod, ok := e.h.Files["modules/demo/1.0.0/MODULE.bazel"]
	if !ok || !strings.Contains(string(e.h.Blobs[mod.BlobDigest]), `name = "demo"`) {
		t.Fatal("MODULE.bazel is not stored")
	}
	arc, ok := e.h.Files["archives/demo/1.1.0/demo-1.1.0.tar.gz"]
	if !ok || !bytes.Equal(e.h.Blobs[arc.BlobDigest], a2) {
		t.Fatal("the archive is not stored")
	}
}

// TestRefusals: every bad publish answers 4xx naming the problem and stores nothing.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	e.want(e.do("PUT", "/modules/demo/1.0.0/archive", moduleArchive("demo", "1.0.0")), 201, "")
	n := len(e.h.Files)
	for _, c := range []struct {
		name, path string
		body       []byte
		status     int
		msg        string
	}{
		{"republish", "/modules/demo/1.0.0/archive", moduleArchive("demo", "1.0.0"), 409, "already published"},
		{"forged name", "/modules/demo/2.0.0/archive", moduleArchive("evil", "2.0.0"), 400, "declares evil@2.0.0"},
		{"forged version", "/modules/demo/2.0.0/archive", moduleArchive("demo", "9.9.9"), 400, "declares demo@9.9.9"},
		{"truncated", "/modules/demo/2.0.0/archive", moduleArchive("demo", "2.0.0")[:40], 400, "not a readable .tar.gz"},
		{"no MODULE.bazel", "/modules/demo/2.0.0/archive", targz(map[string]string{"x/BUILD": ""}), 400, "has no x/MODULE.bazel"},
		{"no module()", "/modules/demo/2.0.0/archive", targz(map[string]string{"x/MODULE.bazel": "bazel_dep(name = \"a\")\n"}), 400, "no module("},
		{"bad name", "/modules/Demo/2.0.0/archive", moduleArchive("Demo", "2.0.0"), 400, "invalid module name"},
		{"traversal version", "/modules/demo/..%2f../archive", moduleArchive("demo", "2.0.0"), 400, "invalid module version"},
		{"empty", "/modules/demo/2.0.0/archive", []byte{}, 400, "no body"},
		{"CAS digest mismatch", "/cas/" + strings.Repeat("a", 64), []byte("content"), 400, "not its key"},
		{"bad cache key", "/cas/abc", []byte("x"), 400, "not a lower-case hex sha256"},
		{"traversal", "/cas/../../etc", []byte("x"), 400, "not a publish or cache path"},
	} {
		if r := e.do("PUT", c.path, c.body); r.Status != c.status || !strings.Contains(string(r.Bytes), c.msg) {
			t.Errorf("%s: %d %s, want %d containing %s", c.name, r.Status, r.Bytes, c.status, c.msg)
		}
		if len(e.h.Files) != n {
			t.Fatalf("%s: %d files stored, want %d", c.name, len(e.h.Files), n)
		}
	}
	for _, p := range []string{"/modules/nope/metadata.json", "/modules/demo/9.0.0/source.json", "/modules/demo/9.0.0/MODULE.bazel",
		"/archives/demo/9.0.0/demo-9.0.0.tar.gz", "/ac/" + strings.Repeat("b", 64)} {
		e.want(e.do("GET", p, nil), 404, "")
	}
	e.want(e.do("DELETE", "/modules/demo/1.0.0/archive", nil), 405, "")
}

// TestRemoteCache replays Bazel's HTTP cache client: PUT /cas/ then /ac/,
// GET both back, HEAD a miss; a CAS re-upload is accepted, an AC entry is
// overwritten.
func TestRemoteCache(t *testing.T) {
	e := newEnv(t)
	out := []byte("compiled output")
	s := sha256.Sum256(out)
	key := hex.EncodeToString(s[:])
	e.want(e.do("HEAD", "/cas/"+key, nil), 404, "cache miss")
	e.want(e.do("PUT", "/cas/"+key, out), 200, "")
	e.want(e.do("PUT", "/cas/"+key, out), 200, "")
	action := strings.Repeat("c", 64)
	e.want(e.do("PUT", "/ac/"+action, []byte("result-1")), 200, "")
	e.want(e.do("PUT", "/ac/"+action, []byte("result-2")), 200, "")
	if r := e.do("GET", "/cas/"+key, nil); r.Status != 200 || r.Target != "cas/"+key {
		t.Fatalf("cas: %d %s", r.Status, r.Target)
	}
	f := e.h.Files["ac/"+action]
	if string(e.h.Blobs[f.BlobDigest]) != "result-2" {
		t.Fatal("the AC entry was not overwritten")
	}
}
