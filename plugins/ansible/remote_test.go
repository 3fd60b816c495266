package ansible

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestClassify(t *testing.T) {
	for path, want := range map[string]sdk.CacheClass{"/download/a-b-1.0.0.tar.gz": sdk.Immutable, "/api/": sdk.Mutable,
		"/api/v3/collections/a/b/versions/": sdk.Mutable, "/api/v3/collections/a/b/versions/1.0.0/": sdk.Mutable} {
		if got := (Plugin{}).Classify(path); got != want {
			t.Errorf("%s: %v, want %v", path, got, want)
		}
	}
}

func TestRewrite(t *testing.T) {
	h := newHost()
	v1 := plugintest.Testdata(t, "keeper-demo-1.0.0.tar.gz")
	mustStatus(t, publish(h, "keeper-demo-1.0.0.tar.gz", v1, sha(v1)), 202, "")
	doc := get(h, "/api/v3/collections/keeper/demo/versions/1.0.0/", "").Bytes
	out, err := Plugin{}.Rewrite(nil, "/api/v3/collections/keeper/demo/versions/1.0.0/", doc, "http://k/ansible/r", "http://p:9/ansible/proxy")
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if strings.Contains(s, "/ansible/r/") || !strings.Contains(s, `"download_url":"http://p:9/ansible/proxy/download/keeper-demo-1.0.0.tar.gz"`) ||
		!strings.Contains(s, `"href":"/ansible/proxy/api/v3/collections/keeper/demo/versions/1.0.0/"`) ||
		!strings.Contains(s, `"documentation":"http://docs.example.com"`) {
		t.Fatalf("rewritten: %s", s)
	}
}

func TestMerge(t *testing.T) {
	a, b := newHost(), newHost()
	v1, v11 := plugintest.Testdata(t, "keeper-demo-1.0.0.tar.gz"), plugintest.Testdata(t, "keeper-demo-1.1.0.tar.gz")
	mustStatus(t, publish(a, "keeper-demo-1.0.0.tar.gz", v1, sha(v1)), 202, "")
	mustStatus(t, publish(b, "keeper-demo-1.1.0.tar.gz", v11, sha(v11)), 202, "")
	mustStatus(t, publish(b, "keeper-demo-1.0.0.tar.gz", v1, sha(v1)), 202, "")
	other := collection(t, info("acme", "tools", "2.0.0"))
	mustStatus(t, publish(b, "acme-tools-2.0.0.tar.gz", other, sha(other)), 202, "")
	path := "/api/v3/collections/keeper/demo/versions/"
	got, err := Plugin{}.Merge(nil, path, [][]byte{get(a, path, "").Bytes, get(b, path, "").Bytes})
	if err != nil {
		t.Fatal(err)
	}
	plugintest.GoldenJSON(t, "golden/merged-versions.json", got)
	if s := string(got); !strings.Contains(s, `"count":2`) || strings.Index(s, "1.1.0") > strings.Index(s, `"1.0.0"`) {
		t.Fatalf("merged versions: %s", s)
	}
	list, err := Plugin{}.Merge(nil, "/api/v3/collections/", [][]byte{get(a, "/api/v3/collections/", "").Bytes, get(b, "/api/v3/collections/", "").Bytes})
	if err != nil || !strings.Contains(string(list), `"count":2`) {
		t.Fatalf("merged list: %v %s", err, list)
	}
	if _, err := (Plugin{}).Merge(nil, path, [][]byte{[]byte("{"), []byte("{}")}); err == nil {
		t.Fatal("a malformed member merged")
	}
}

// TestRemoteQueryRedirect: a GET with a query on a remote or virtual
// repository goes to the query-less document, which lists everything.
func TestRemoteQueryRedirect(t *testing.T) {
	h := newHost()
	h.RepoCtx.Kind = "remote"
	r := get(h, "/api/v3/collections/keeper/demo/versions/", "limit=100")
	if r.Status != 302 || len(r.Headers) != 1 || r.Headers[0].Value != "http://k/ansible/r/api/v3/collections/keeper/demo/versions/" {
		t.Fatalf("redirect: %+v", r)
	}
	l := newHost()
	v1 := plugintest.Testdata(t, "keeper-demo-1.0.0.tar.gz")
	mustStatus(t, publish(l, "keeper-demo-1.0.0.tar.gz", v1, sha(v1)), 202, "")
	mustStatus(t, get(l, "/api/v3/collections/keeper/demo/versions/", ""), 200, `"next":null`)
}
