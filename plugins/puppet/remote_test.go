package puppet

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestClassify(t *testing.T) {
	for path, want := range map[string]sdk.CacheClass{"/v3/files/a-b-1.0.0.tar.gz": sdk.Immutable, "/v3/releases": sdk.Mutable,
		"/v3/releases/a-b-1.0.0": sdk.Mutable, "/v3/modules/a-b": sdk.Mutable, "/v3/modules/a-b/releases": sdk.Mutable} {
		if got := (Plugin{}).Classify(path); got != want {
			t.Errorf("%s: %v, want %v", path, got, want)
		}
	}
}

func TestRewrite(t *testing.T) {
	h := newHost()
	mustStatus(t, publish(h, "keeper-demo-1.0.0.tar.gz", module("keeper-demo", "1.0.0")), 201, "")
	doc := get(h, "/v3/releases/keeper-demo-1.0.0", "").Bytes
	// Keeper's own documents link with relative paths: nothing changes.
	out, err := Plugin{}.Rewrite(nil, "/v3/releases/keeper-demo-1.0.0", doc, "http://k/puppet/r", "http://p:9/puppet/proxy")
	if err != nil || string(out) != string(doc) {
		t.Fatalf("rewritten: %v %s", err, out)
	}
	// An upstream that spells links as absolute URLs under itself.
	abs := strings.ReplaceAll(string(doc), `"/v3/`, `"http://k/puppet/r/v3/`)
	out, err = Plugin{}.Rewrite(nil, "/v3/releases/keeper-demo-1.0.0", []byte(abs), "http://k/puppet/r/", "http://p:9/puppet/proxy")
	if err != nil || string(out) != string(doc) {
		t.Fatalf("absolute links: %v %s", err, out)
	}
	if _, err := (Plugin{}).Rewrite(nil, "/v3/modules/a-b", make([]byte, maxDocBytes+1), "http://k", "http://p"); err == nil {
		t.Fatal("an oversized document was rewritten")
	}
}

func TestMerge(t *testing.T) {
	a, b := newHost(), newHost()
	v1, v11 := module("keeper-demo", "1.0.0"), module("keeper-demo", "1.1.0")
	mustStatus(t, publish(a, "keeper-demo-1.0.0.tar.gz", v1), 201, "")
	mustStatus(t, publish(b, "keeper-demo-1.1.0.tar.gz", v11), 201, "")
	mustStatus(t, publish(b, "keeper-demo-1.0.0.tar.gz", v1), 201, "")
	path := "/v3/modules/keeper-demo/releases"
	got, err := Plugin{}.Merge(nil, path, [][]byte{get(a, path, "").Bytes, get(b, path, "").Bytes})
	if err != nil {
		t.Fatal(err)
	}
	plugintest.GoldenJSON(t, "golden/merged-releases.json", got)
	if s := string(got); !strings.Contains(s, `"total":2`) || !strings.Contains(s, `"next":null`) ||
		strings.Index(s, `"version":"1.1.0"`) > strings.Index(s, `"version":"1.0.0"`) {
		t.Fatalf("merged releases: %s", s)
	}
	mod, err := Plugin{}.Merge(nil, "/v3/modules/keeper-demo", [][]byte{get(a, "/v3/modules/keeper-demo", "").Bytes,
		get(b, "/v3/modules/keeper-demo", "").Bytes})
	if s := string(mod); err != nil || !strings.Contains(s, `"current_release":{"changelog":null`) ||
		!strings.Contains(s, `"slug":"keeper-demo-1.1.0"`) || strings.Count(s, `"file_uri"`) != 3 {
		t.Fatalf("merged module: %v %s", err, s)
	}
	if _, err := (Plugin{}).Merge(nil, path, [][]byte{[]byte("{"), []byte("{}")}); err == nil {
		t.Fatal("a malformed member merged")
	}
}

// TestRemoteQueryRedirect: the releases query puppet sends to a remote or
// virtual repository goes to the module's query-less release list.
func TestRemoteQueryRedirect(t *testing.T) {
	h := newHost()
	h.RepoCtx.Kind = "virtual"
	r := get(h, "/v3/releases", "module=Keeper/demo&sort_by=version&exclude_fields="+excludes)
	if r.Status != 302 || len(r.Headers) != 1 || r.Headers[0].Value != "http://k/puppet/r/v3/modules/keeper-demo/releases" {
		t.Fatalf("redirect: %+v", r)
	}
	mustStatus(t, get(h, "/v3/releases", "module=bad"), 400, "OWNER-NAME")
	if r := get(h, "/v3/modules", "query=x"); r.Status != 302 || r.Headers[0].Value != "http://k/puppet/r/v3/modules" {
		t.Fatalf("modules redirect: %+v", r)
	}
}
