package pub_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/plugins/pub"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// listingOf publishes versions into a fresh host and returns its listing.
func listingOf(t *testing.T, versions ...string) []byte {
	e := newEnv(t)
	for _, v := range versions {
		e.want(e.publish(packageArchive("hello", v)), 200, "Successfully uploaded")
	}
	return e.do("", "GET", "/api/packages/hello", "", nil).Bytes
}

// TestRewriteAndMerge: a remote repository's listing points its archives
// under the remote (or ~ext for another host) and keeps only the spec's
// fields; a virtual repository merges its members' listings, the first
// member winning, with archives under the virtual and latest recomputed.
func TestRewriteAndMerge(t *testing.T) {
	p := pub.Plugin{}
	for path, want := range map[string]sdk.CacheClass{
		"/packages/hello/versions/1.0.0.tar.gz": sdk.Immutable, "/api/packages/hello": sdk.Mutable,
		"/api/packages/hello/versions/1.0.0": sdk.Mutable,
	} {
		if got := p.Classify(path); got != want {
			t.Errorf("Classify(%s) = %v", path, got)
		}
	}
	up := listingOf(t, "1.0.0", "1.1.0")
	up = []byte(strings.Replace(string(up), `"isDiscontinued":false`, `"isDiscontinued":false,"evil":"<script>"`, 1))
	up = []byte(strings.Replace(string(up), base+"/packages/hello/versions/1.0.0.tar.gz", "https://files.example.invalid/a/hello-1.0.0.tar.gz", 1))
	got, err := p.Rewrite(nil, "/api/packages/hello", up, base, "http://px/pub/proxy")
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	if strings.Contains(s, "evil") || !strings.Contains(s, `"archive_url":"http://px/pub/proxy/packages/hello/versions/1.1.0.tar.gz"`) ||
		!strings.Contains(s, `"archive_url":"http://px/pub/proxy/~ext/https/files.example.invalid/a/hello-1.0.0.tar.gz"`) {
		t.Fatalf("rewritten: %s", s)
	}
	plugintest.GoldenJSON(t, "golden/remote-listing.json", got)
	if _, err := p.Rewrite(nil, "/api/packages/hello", []byte("<html>"), base, "http://px/pub/proxy"); err == nil {
		t.Fatal("a non-listing from the upstream passed")
	}

	h := fakehost.New(&sdk.RepoContext{Key: "all", Kind: "virtual", Format: "pub", BaseURL: "http://k/pub/all"})
	local := listingOf(t, "0.9.0", "1.1.0")
	var remote map[string]any
	_ = json.Unmarshal(got, &remote)
	remote["versions"].([]any)[1].(map[string]any)["archive_sha256"] = strings.Repeat("f", 64) // 1.1.0 differs upstream
	got, _ = json.Marshal(remote)
	merged, err := p.Merge(h, "/api/packages/hello", [][]byte{local, got})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Latest   struct{ Version string }
		Versions []struct {
			Version    string
			ArchiveURL string `json:"archive_url"`
			SHA        string `json:"archive_sha256"`
		}
	}
	if err := json.Unmarshal(merged, &doc); err != nil || doc.Latest.Version != "1.1.0" || len(doc.Versions) != 3 {
		t.Fatalf("merged: %v %s", err, merged)
	}
	for _, v := range doc.Versions {
		if v.ArchiveURL != "http://k/pub/all/packages/hello/versions/"+v.Version+".tar.gz" {
			t.Fatalf("archive url %s", v.ArchiveURL)
		}
	}
	if doc.Versions[2].SHA == strings.Repeat("f", 64) || !strings.Contains(string(local), doc.Versions[2].SHA) { // 1.1.0 from the first member
		t.Fatalf("1.1.0 not from the first member: %s", merged)
	}
	plugintest.GoldenJSON(t, "golden/virtual-listing.json", merged)
}
