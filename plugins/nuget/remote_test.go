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

// A remote repository's v3 search asks the host for the upstream's answer;
// a virtual one also names the member query: the same search from the
// first result, as many as the client's page ends at.
func TestSearchGoesUpstreamFromRemoteAndVirtual(t *testing.T) {
	for _, c := range []struct{ kind, query, members string }{
		{"local", "q=a&skip=5&take=10", ""},
		{"remote", "q=a&skip=5&take=10", ""},
		{"virtual", "q=a&skip=5&take=10&prerelease=true", "prerelease=true&q=a&skip=0&take=15"},
		{"virtual", "q=a&skip=995&take=10", "q=a&skip=0&take=1000"},
		{"virtual", "q=a", "q=a&skip=0&take=20"},
	} {
		h := newHost()
		pushAll(t, h)
		h.RepoCtx.Kind = c.kind
		r := call(t, h, &sdk.Request{Method: "GET", Path: "/v3/query", RawQuery: c.query})
		asked, members := false, ""
		for _, hd := range r.Headers {
			asked = asked || hd.Name == "X-Keeper-Upstream" && hd.Value == "query"
			if hd.Name == "X-Keeper-Upstream-Query" {
				members = hd.Value
			}
		}
		if asked != (c.kind != "local") || members != c.members || r.Status != 200 || asked && len(r.Bytes) != 0 {
			t.Errorf("%s ?%s: status %d, asks the host %v, member query %q", c.kind, c.query, r.Status, asked, members)
		}
		if c.kind == "local" && !strings.Contains(string(r.Bytes), `"totalHits"`) {
			t.Errorf("a local search answered %s", r.Bytes)
		}
	}
}

// Merging search answers: ids once (the first member's result wins, in
// any case), totalHits summed less the duplicates, then the client's page.
func TestMergeSearch(t *testing.T) {
	first := []byte(`{"totalHits":3,"data":[{"id":"A","version":"1.0.0","m":1},{"id":"B","m":1},{"id":"C","m":1}]}`)
	second := []byte(`{"totalHits":3,"data":[{"id":"b","m":2},{"id":"D","m":2},{"id":"E","m":2}]}`)
	for _, c := range []struct{ query, want string }{
		{"q=x&skip=0&take=20", `{"totalHits":5,"data":[{"id":"A","version":"1.0.0","m":1},{"id":"B","m":1},{"id":"C","m":1},{"id":"D","m":2},{"id":"E","m":2}]}`},
		{"q=x&skip=2&take=2", `{"totalHits":5,"data":[{"id":"C","m":1},{"id":"D","m":2}]}`},
		{"skip=9", `{"totalHits":5,"data":[]}`},
	} {
		out, err := nuget.Plugin{}.Merge(nil, "/v3/query?"+c.query, [][]byte{first, second})
		if err != nil || string(out) != c.want {
			t.Errorf("?%s: %s %v\nwant %s", c.query, out, err, c.want)
		}
	}
	if out, err := (nuget.Plugin{}).Merge(nil, "/v3/query", [][]byte{second}); err != nil || !strings.Contains(string(out), `"totalHits":3`) {
		t.Errorf("one member, no query: %s %v", out, err)
	}
	for _, bad := range []string{`<html>`, `{"data":[{"version":"1"}]}`} {
		if _, err := (nuget.Plugin{}).Merge(nil, "/v3/query?q=x", [][]byte{first, []byte(bad)}); err == nil {
			t.Errorf("a member answering %s merged", bad)
		}
	}
}

// A search answer's registration and version URLs move under the remote.
func TestRewriteSearch(t *testing.T) {
	h := newHost()
	pushAll(t, h)
	up, local := "http://h/nuget/nu", "http://proxy/nuget/remote"
	h.RepoCtx.BaseURL = up
	body := call(t, h, &sdk.Request{Method: "GET", Path: "/v3/query", RawQuery: "q=keeper"}).Bytes
	out, err := nuget.Plugin{}.Rewrite(nil, "/v3/query", body, up, local)
	if err != nil || !strings.Contains(string(body), up+"/v3/registration/") || strings.Contains(string(out), up+"/") ||
		!strings.Contains(string(out), `"registration":"`+local+"/v3/registration/") {
		t.Fatalf("rewritten (%v):\n%s\nfrom\n%s", err, out, body)
	}
}
