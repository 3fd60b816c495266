package openvsx

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestClassify(t *testing.T) {
	for path, want := range map[string]sdk.CacheClass{"/api/a/b/1.0.0/file/a.b-1.0.0.vsix": sdk.Immutable,
		"/api/a/b/1.0.0/file/package.json": sdk.Immutable, "/api/a/b": sdk.Mutable, "/api/a/b/1.0.0": sdk.Mutable,
		"/api/a/b/versions": sdk.Mutable, "/api/a": sdk.Mutable} {
		if got := (Plugin{}).Classify(path); got != want {
			t.Errorf("%s: %v, want %v", path, got, want)
		}
	}
}

func TestRewrite(t *testing.T) {
	h := newHost()
	mustStatus(t, createNamespace(h, "keeper"), 201, "")
	mustStatus(t, publish(h, vsixFile("keeper", "demo", "1.0.0")), 201, "")
	doc := get(h, "/api/keeper/demo", "").Bytes
	out, err := Plugin{}.Rewrite(nil, "/api/keeper/demo", doc, "http://k/openvsx/r", "http://p:9/openvsx/proxy")
	if err != nil {
		t.Fatal(err)
	}
	if s := string(out); strings.Contains(s, "http://k/") ||
		!strings.Contains(s, `"download":"http://p:9/openvsx/proxy/api/keeper/demo/1.0.0/file/keeper.demo-1.0.0.vsix"`) ||
		!strings.Contains(s, `"repository":"https://example.org/demo.git"`) {
		t.Fatalf("rewritten: %s", s)
	}
	vsix := []byte("PK\x03\x04 http://k/openvsx/r/")
	if out, _ := (Plugin{}).Rewrite(nil, "/api/keeper/demo/1.0.0/file/keeper.demo-1.0.0.vsix", vsix, "http://k/openvsx/r", "http://p"); string(out) != string(vsix) {
		t.Fatal("a file was rewritten")
	}
}

func TestMerge(t *testing.T) {
	a, b := newHost(), newHost()
	mustStatus(t, createNamespace(a, "keeper"), 201, "")
	mustStatus(t, createNamespace(b, "keeper"), 201, "")
	mustStatus(t, publish(a, vsixFile("keeper", "demo", "1.0.0")), 201, "")
	mustStatus(t, publish(b, vsixFile("keeper", "demo", "1.1.0")), 201, "")
	mustStatus(t, publish(b, vsixFile("keeper", "demo", "1.0.0")), 201, "")
	got, err := Plugin{}.Merge(nil, "/api/keeper/demo", [][]byte{get(a, "/api/keeper/demo", "").Bytes, get(b, "/api/keeper/demo", "").Bytes})
	if err != nil {
		t.Fatal(err)
	}
	plugintest.GoldenJSON(t, "golden/merged-extension.json", got)
	if s := string(got); !strings.Contains(s, `"version":"1.1.0"`) || !strings.Contains(s, `"latest":"http://k/openvsx/r/api/keeper/demo/1.1.0"`) ||
		!strings.Contains(s, `"1.0.0":"http://k/openvsx/r/api/keeper/demo/1.0.0"`) {
		t.Fatalf("merged extension: %s", s)
	}
	vs, err := Plugin{}.Merge(nil, "/api/keeper/demo/versions", [][]byte{get(a, "/api/keeper/demo/versions", "").Bytes,
		get(b, "/api/keeper/demo/versions", "").Bytes})
	if s := string(vs); err != nil || !strings.Contains(s, `"totalSize":2`) || !strings.Contains(s, `"1.1.0"`) {
		t.Fatalf("merged versions: %v %s", err, s)
	}
	if _, err := (Plugin{}).Merge(nil, "/api/keeper/demo", [][]byte{[]byte("{"), []byte("{}")}); err == nil {
		t.Fatal("a malformed member merged")
	}
}

// TestRemoteQueryRedirect: a GET with a query on a remote or virtual
// repository goes to the query-less document.
func TestRemoteQueryRedirect(t *testing.T) {
	h := newHost()
	h.RepoCtx.Kind = "remote"
	r := get(h, "/api/keeper/demo", "token=x")
	if r.Status != 302 || len(r.Headers) != 1 || r.Headers[0].Value != "http://k/openvsx/r/api/keeper/demo" {
		t.Fatalf("redirect: %+v", r)
	}
}
