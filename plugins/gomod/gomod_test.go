package gomod_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/gomod"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

var fixedNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

var plugin = gomod.Plugin{Now: func() time.Time { return fixedNow }}

func do(t *testing.T, h *fakehost.Host, method, path string, body []byte, query ...string) *sdk.Response {
	t.Helper()
	req := &sdk.Request{Method: method, Path: path, Repo: h.RepoCtx}
	if body != nil {
		req.Body = &sdk.Body{Digest: h.AddBlob(body), Size: uint64(len(body))}
	}
	if len(query) > 0 {
		req.RawQuery = query[0]
	}
	resp, err := sdk.CallHandle(plugin, h, req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

func fixture(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// body returns the bytes a response delivers (inline or the stored file).
func body(t *testing.T, h *fakehost.Host, r *sdk.Response) []byte {
	t.Helper()
	if r.Kind == sdk.BodyServePath {
		f := h.Files[r.Target]
		return h.Blobs[f.BlobDigest]
	}
	return r.Bytes
}

func TestDescribe(t *testing.T) {
	info, err := sdk.DescribePlugin(plugin)
	if err != nil || info.Key != "go" || len(info.Mounts) != 1 || info.Mounts[0].Prefix != "/go/" ||
		info.ContractVersion != sdk.ContractVersion || strings.Join(info.Capabilities, ",") != sdk.CapClassify+","+sdk.CapMerge+","+sdk.CapParseMetadata {
		t.Fatalf("%+v %v", info, err)
	}
}

// publishAll uploads the three fixtures and commits them.
func publishAll(t *testing.T, h *fakehost.Host) {
	t.Helper()
	for _, u := range []struct{ path, zip string }{
		{"/example.com/!lib/hello/@v/v1.0.0.zip", "hello-v1.0.0.zip"},
		{"/example.com/!lib/hello/v2/@v/v2.0.0.zip", "hello-v2.0.0.zip"},
		{"/example.com/legacy/@v/v2.0.0+incompatible.zip", "legacy-v2.0.0+incompatible.zip"},
	} {
		r := do(t, h, "PUT", u.path, fixture(t, u.zip))
		if r.Status != 201 {
			t.Fatalf("PUT %s: %d %s", u.path, r.Status, r.Bytes)
		}
		h.Commit()
	}
}

func TestPublishStagesAtProxyPaths(t *testing.T) {
	h := newHost()
	zip := fixture(t, "hello-v1.0.0.zip")
	r := do(t, h, "PUT", "/example.com/!lib/hello/@v/v1.0.0.zip", zip)
	if r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Bytes)
	}
	var out map[string]any
	if err := json.Unmarshal(r.Bytes, &out); err != nil || out["zip"] != "http://h/go/gomods/example.com/!lib/hello/@v/v1.0.0.zip" ||
		out["module"] != "example.com/Lib/hello" {
		t.Fatalf("%s %v", r.Bytes, err)
	}
	got := map[string]sdk.StagedFile{}
	for _, f := range h.StagedFiles {
		got[f.Path] = f
		if f.Package != "example.com/Lib/hello" || f.Version != "v1.0.0" || f.Overwrite {
			t.Errorf("staged %+v", f)
		}
	}
	zf := got["example.com/!lib/hello/@v/v1.0.0.zip"]
	if zf.BlobDigest != h.AddBlob(zip) || zf.ContentType != "application/zip" {
		t.Fatalf("zip staged as %+v", zf)
	}
	if mod := string(h.Blobs[got["example.com/!lib/hello/@v/v1.0.0.mod"].BlobDigest]); mod != string(fixture(t, "src/hello-v1.0.0/go.mod")) {
		t.Fatalf(".mod = %q", mod)
	}
	if info := string(h.Blobs[got["example.com/!lib/hello/@v/v1.0.0.info"].BlobDigest]); info != `{"Version":"v1.0.0","Time":"2025-03-04T05:06:07Z"}` {
		t.Fatalf(".info = %s", info)
	}
}

func TestServeProtocol(t *testing.T) {
	h := newHost()
	publishAll(t, h)
	// A pseudo-version of v1: its .info time comes from the version.
	pseudo := "v1.0.1-0.20250401020304-abcdefabcdef"
	r := do(t, h, "PUT", "/example.com/!lib/hello/@v/"+pseudo+".zip", makeZip(
		file{Name: "example.com/Lib/hello@" + pseudo + "/go.mod", Body: "module example.com/Lib/hello\n"},
		file{Name: "example.com/Lib/hello@" + pseudo + "/hello.go", Body: "package hello\n"}))
	if r.Status != 201 {
		t.Fatalf("pseudo: %d %s", r.Status, r.Bytes)
	}
	h.Commit()
	// A prerelease above the release, uploaded with an explicit time.
	pre := "v1.1.0-rc.1"
	r = do(t, h, "PUT", "/example.com/!lib/hello/@v/"+pre+".zip", makeZip(
		file{Name: "example.com/Lib/hello@" + pre + "/hello.go", Body: "package hello\n"}), "time=2024-12-24T10:00:00%2B01:00")
	if r.Status != 201 {
		t.Fatalf("prerelease: %d %s", r.Status, r.Bytes)
	}
	h.Commit()

	for _, g := range []struct{ path, golden, ctype string }{
		{"/example.com/!lib/hello/@v/list", "hello.list", "text/plain; charset=utf-8"},
		{"/example.com/!lib/hello/@latest", "hello.latest", "application/json"},
		{"/example.com/!lib/hello/@v/v1.0.0.info", "hello-v1.0.0.info", ""},
		{"/example.com/!lib/hello/@v/v1.0.0.mod", "hello-v1.0.0.mod", ""},
		{"/example.com/!lib/hello/@v/" + pseudo + ".info", "hello-pseudo.info", ""},
		{"/example.com/!lib/hello/@v/" + pre + ".info", "hello-rc.info", ""},
		{"/example.com/!lib/hello/@v/" + pre + ".mod", "hello-rc.mod", ""},
		{"/example.com/!lib/hello/v2/@v/list", "hello-v2.list", ""},
		{"/example.com/!lib/hello/v2/@latest", "hello-v2.latest", ""},
		{"/example.com/legacy/@v/list", "legacy.list", ""},
		{"/example.com/legacy/@v/v2.0.0+incompatible.mod", "legacy-v2.0.0+incompatible.mod", ""},
		// Literal upper case is accepted too.
		{"/example.com/Lib/hello/@v/list", "hello.list", ""},
	} {
		t.Run(g.golden, func(t *testing.T) {
			r := do(t, h, "GET", g.path, nil)
			if r.Status != 200 {
				t.Fatalf("GET %s: %d %s", g.path, r.Status, r.Bytes)
			}
			if g.ctype != "" && (len(r.Headers) == 0 || r.Headers[0].Value != g.ctype) {
				t.Fatalf("headers %+v", r.Headers)
			}
			if r.Kind == sdk.BodyBytes && r.CacheTTLMs == 0 {
				t.Fatalf("generated document without CacheTTL")
			}
			plugintest.Golden(t, "golden/"+g.golden, body(t, h, r))
		})
	}
	r = do(t, h, "GET", "/example.com/!lib/hello/@v/v1.0.0.zip", nil)
	if r.Kind != sdk.BodyServePath || r.Target != "example.com/!lib/hello/@v/v1.0.0.zip" || string(body(t, h, r)) != string(fixture(t, "hello-v1.0.0.zip")) {
		t.Fatalf("zip: %+v", r)
	}
}

func TestNotFoundIs404(t *testing.T) {
	h := newHost()
	publishAll(t, h)
	for _, p := range []string{
		"/example.com/!lib/hello/@v/v9.9.9.info",
		"/example.com/!lib/hello/@v/v9.9.9.mod",
		"/example.com/!lib/hello/@v/v9.9.9.zip",
		"/example.com/!lib/hello/@v/master.info",
		"/example.com/missing/@v/list",
		"/example.com/missing/@latest",
		"/example.com/!lib/hello/v3/@v/list",
		"/example.com/lib/hello/@v/list", // a different module than Lib
		"/sumdb/sum.golang.org/supported",
		"/sumdb/sum.golang.org/lookup/example.com/m@v1.0.0",
		"/example.com/!lib/hello/@v/v1.0.0.tgz",
		"/example.com/!lib/hello",
		"/",
	} {
		for _, m := range []string{"GET", "HEAD"} {
			r := do(t, h, m, p, nil)
			if r.Status != 404 || !strings.HasPrefix(string(r.Bytes), "not found") || r.CacheTTLMs != 0 {
				t.Errorf("%s %s: %d %q", m, p, r.Status, r.Bytes)
			}
		}
	}
}

func TestImmutableAndDelete(t *testing.T) {
	h := newHost()
	publishAll(t, h)
	r := do(t, h, "PUT", "/example.com/!lib/hello/@v/v1.0.0.zip", fixture(t, "hello-v1.0.0.zip"))
	if r.Status != 409 || !strings.Contains(string(r.Bytes), "immutable") || len(h.StagedFiles) != 0 {
		t.Fatalf("re-upload: %d %s", r.Status, r.Bytes)
	}
	if r := do(t, h, "DELETE", "/example.com/!lib/hello/@v/v1.0.0.zip", nil); r.Status != 204 || len(h.StagedDeletes) != 3 {
		t.Fatalf("delete: %d %v", r.Status, h.StagedDeletes)
	}
	h.Commit()
	if r := do(t, h, "GET", "/example.com/!lib/hello/@v/list", nil); r.Status != 404 {
		t.Fatalf("list after delete: %d %s", r.Status, r.Bytes)
	}
	if r := do(t, h, "DELETE", "/example.com/!lib/hello/@v/v1.0.0.zip", nil); r.Status != 404 {
		t.Fatalf("delete again: %d", r.Status)
	}
	if r := do(t, h, "PUT", "/example.com/!lib/hello/@v/v1.0.0.zip", fixture(t, "hello-v1.0.0.zip")); r.Status != 201 {
		t.Fatalf("upload after delete: %d %s", r.Status, r.Bytes)
	}
}

func TestBadUploads(t *testing.T) {
	const m = "example.com/m"
	good := func(ver string, extra ...file) []byte {
		return makeZip(append([]file{{Name: m + "@" + ver + "/go.mod", Body: "module example.com/m\n"}}, extra...)...)
	}
	for _, tc := range []struct {
		name, path string
		zip        []byte
		status     int
		want       string
	}{
		{"no body", "/example.com/m/@v/v1.0.0.zip", nil, 400, "no body"},
		{"not a zip", "/example.com/m/@v/v1.0.0.zip", []byte("this is not a zip"), 400, "not a readable module zip"},
		{"wrong prefix", "/example.com/m/@v/v1.0.0.zip", makeZip(file{Name: "m/go.mod", Body: "module example.com/m\n"}), 400, "does not have prefix"},
		{"zip of other version", "/example.com/m/@v/v1.0.1.zip", good("v1.0.0"), 400, `prefix "example.com/m@v1.0.1/"`},
		{"go.mod of other module", "/example.com/m/@v/v1.0.0.zip", makeZip(file{Name: m + "@v1.0.0/go.mod", Body: "module example.com/other\n"}), 400, `declares module "example.com/other"`},
		{"go.mod without module", "/example.com/m/@v/v1.0.0.zip", makeZip(file{Name: m + "@v1.0.0/go.mod", Body: "go 1.21\n"}), 400, "no module directive"},
		{"go.mod syntax error", "/example.com/m/@v/v1.0.0.zip", makeZip(file{Name: m + "@v1.0.0/go.mod", Body: "module example.com/m\nrequire (\n"}), 400, "invalid go.mod"},
		{"v2 without suffix", "/example.com/m/@v/v2.0.0.zip", good("v2.0.0"), 400, "invalid version"},
		{"incompatible with go.mod", "/example.com/m/@v/v2.0.0+incompatible.zip", good("v2.0.0+incompatible"), 400, "contains a go.mod file"},
		{"non-canonical", "/example.com/m/@v/v1.0.zip", good("v1.0"), 400, "not canonical"},
		{"branch name", "/example.com/m/@v/main.zip", good("main"), 400, "not a semantic version"},
		{"case collision", "/example.com/m/@v/v1.0.0.zip", good("v1.0.0", file{Name: m + "@v1.0.0/A.go"}, file{Name: m + "@v1.0.0/a.go"}), 400, "collision"},
		{"dot-dot path", "/example.com/m/@v/v1.0.0.zip", good("v1.0.0", file{Name: m + "@v1.0.0/../x.go"}), 400, "invalid path element"},
		{"bad module path", "/example.com/m!/@v/v1.0.0.zip", good("v1.0.0"), 400, "invalid module path"},
		{"upload .mod", "/example.com/m/@v/v1.0.0.mod", []byte("module example.com/m\n"), 405, "upload a module zip"},
		{"upload .info", "/example.com/m/@v/v1.0.0.info", []byte("{}"), 405, "upload a module zip"},
		{"bad time", "/example.com/m/@v/v1.0.0.zip?", good("v1.0.0"), 400, "RFC 3339"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost()
			path, q, _ := strings.Cut(tc.path, "?")
			if strings.HasSuffix(tc.path, "?") {
				q = "time=yesterday"
			}
			r := do(t, h, "PUT", path, tc.zip, q)
			if r.Status != tc.status || !strings.Contains(string(r.Bytes), tc.want) {
				t.Fatalf("%d %s, want %d containing %q", r.Status, r.Bytes, tc.status, tc.want)
			}
			if len(h.StagedFiles) != 0 {
				t.Fatalf("staged %+v", h.StagedFiles)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	for p, want := range map[string]sdk.CacheClass{
		"/example.com/m/@v/list":        sdk.Mutable,
		"/example.com/m/@latest":        sdk.Mutable,
		"/example.com/m/@v/v1.0.0.zip":  sdk.Immutable,
		"/example.com/m/@v/v1.0.0.info": sdk.Immutable,
		"/sumdb/x/supported":            sdk.Mutable,
		"/sumdb/x/latest":               sdk.Mutable,
		"/sumdb/x/lookup/a.b/m@v1.0.0":  sdk.Mutable,
		"/sumdb/x/tile/8/0/001":         sdk.Immutable,
		"/sumdb/x/tile/8/data/x001/002": sdk.Immutable,
		"/sumdb/x/tile/8/0/001.p/7":     sdk.Mutable,
		"/nothing":                      sdk.Unknown,
	} {
		if got := sdk.CallClassify(plugin, p); got != want {
			t.Errorf("%s: %v, want %v", p, got, want)
		}
	}
}
