package nuget_test

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/nuget"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestClassify(t *testing.T) {
	for p, want := range map[string]sdk.CacheClass{
		"/v3/package/a/1.0.0/a.1.0.0.nupkg": sdk.Immutable, "/v3/package/a/1.0.0/a.nuspec": sdk.Immutable,
		"/api/v2/package/A/1.0.0": sdk.Immutable, "/v3/index.json": sdk.Mutable, "/v3/package/a/index.json": sdk.Mutable,
		"/v3/registration/a/index.json": sdk.Mutable, "/api/v2/FindPackagesById()": sdk.Mutable, "/api/v2/package": sdk.Mutable,
	} {
		if got := (nuget.Plugin{}).Classify(p); got != want {
			t.Errorf("Classify(%s) = %v, want %v", p, got, want)
		}
	}
}

// TestRewrite: every upstream URL of the service index, registration and
// v2 entry moves under the local base.
func TestRewrite(t *testing.T) {
	h := newHost()
	pushAll(t, h)
	up, local := "http://h/nuget/nu", "http://proxy/nuget/remote"
	for _, p := range []string{"/v3/index.json", "/v3/registration/keeper.demo/index.json", "/api/v2/Packages(Id='Keeper.Demo',Version='1.0.0')"} {
		body := call(t, h, get(p, "")).Bytes
		out, err := nuget.Plugin{}.Rewrite(nil, p, body, up, local)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), up+"/") || strings.Count(string(out), local+"/") != strings.Count(string(body), up+"/") {
			t.Fatalf("%s rewritten:\n%s", p, out)
		}
	}
	if _, err := (nuget.Plugin{}).Rewrite(nil, "/v3/index.json", []byte("{}"), `http://h/"x`, local); err == nil {
		t.Fatal("an upstream URL with a quote was accepted")
	}
}

func TestMerge(t *testing.T) {
	out, err := nuget.Plugin{}.Merge(nil, "/v3/registration/a/index.json", [][]byte{[]byte("first"), []byte("second")})
	if err != nil || string(out) != "first" {
		t.Fatalf("merge: %s %v", out, err)
	}
	if _, err := (nuget.Plugin{}).Merge(nil, "/x", nil); err == nil {
		t.Fatal("merge of nothing succeeded")
	}
}

// A remote or virtual repository's v2 query asks the host for the
// upstream's (members') answer; a local one answers it itself.
func TestQueriesGoUpstreamFromRemoteAndVirtual(t *testing.T) {
	for _, kind := range []string{"local", "remote", "virtual"} {
		h := newHost()
		h.RepoCtx.Kind = kind
		for _, p := range []string{"/api/v2/FindPackagesById()", "/api/v2/Search()"} {
			r := call(t, h, &sdk.Request{Method: "GET", Path: p, RawQuery: "id='a'&searchTerm='a'"})
			asked := false
			for _, hd := range r.Headers {
				asked = asked || hd.Name == "X-Keeper-Upstream" && hd.Value == "query"
			}
			if asked != (kind != "local") || r.Status != 200 {
				t.Errorf("%s %s: status %d, asks the host %v", kind, p, r.Status, asked)
			}
		}
	}
}

// Merging v2 query feeds takes the first member's feed with an entry.
func TestMergeQueryFeeds(t *testing.T) {
	empty, one := []byte(`<feed><title>x</title></feed>`), []byte(`<feed><entry xml:base="b"><id>1</id></entry></feed>`)
	out, err := nuget.Plugin{}.Merge(nil, "/api/v2/FindPackagesById()", [][]byte{empty, one})
	if err != nil || string(out) != string(one) {
		t.Fatalf("merge = %s, %v; want the feed with an entry", out, err)
	}
	if out, _ := (nuget.Plugin{}).Merge(nil, "/api/v2/Search()", [][]byte{empty, empty}); string(out) != string(empty) {
		t.Fatalf("no entries anywhere: %s", out)
	}
}
