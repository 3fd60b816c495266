package swift_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/plugins/swift"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

func listOf(t *testing.T, versions ...string) []byte {
	e := newEnv(t)
	for _, v := range versions {
		e.want(e.publish("mona", "LinkedList", v, sourceArchive("LinkedList", v), "", nil), 201, "")
	}
	return e.do("", "GET", "/mona/LinkedList", "", acceptJSON, nil).Bytes
}

// TestRewriteAndMerge: a remote repository's release list points every
// release under the remote (another host's under ~ext) and keeps only the
// spec's fields; a virtual repository merges its members' lists, the
// first member winning, every url under the virtual.
func TestRewriteAndMerge(t *testing.T) {
	p := swift.Plugin{}
	for path, want := range map[string]sdk.CacheClass{
		"/mona/LinkedList/1.0.0.zip": sdk.Immutable, "/mona/LinkedList/1.0.0/Package.swift": sdk.Immutable,
		"/mona/LinkedList": sdk.Mutable, "/mona/LinkedList/1.0.0": sdk.Mutable,
	} {
		if got := p.Classify(path); got != want {
			t.Errorf("Classify(%s) = %v", path, got)
		}
	}
	up := listOf(t, "1.0.0", "1.1.0")
	up = []byte(strings.Replace(string(up), `{"releases":{`, `{"evil":"<script>","releases":{"0.1.0":{"url":"https://mirror.example.invalid/mona/LinkedList/0.1.0","problem":{"status":410,"detail":"gone"}},`, 1))
	got, err := p.Rewrite(nil, "/mona/LinkedList", up, base, "http://px/swift/proxy")
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	if strings.Contains(s, "evil") || !strings.Contains(s, `"1.1.0":{"url":"http://px/swift/proxy/mona/LinkedList/1.1.0"}`) ||
		!strings.Contains(s, `"0.1.0":{"url":"http://px/swift/proxy/~ext/https/mirror.example.invalid/mona/LinkedList/0.1.0","problem":{"status":410,"detail":"gone"}}`) {
		t.Fatalf("rewritten: %s", s)
	}
	plugintest.GoldenJSON(t, "golden/remote-releases.json", got)
	// Contract 0.4.0: the document goes out with Content-Version: 1.
	if doc, err := sdk.CallRewriteDocument(p, nil, "/mona/LinkedList", up, base, "http://px/swift/proxy"); err != nil ||
		string(doc.Body) != string(got) || len(doc.Headers) != 1 || doc.Headers[0] != (sdk.Header{Name: "Content-Version", Value: "1"}) {
		t.Fatalf("rewritten document: %v %v", doc.Headers, err)
	}
	if _, err := p.Rewrite(nil, "/mona/LinkedList", []byte("<html>"), base, "http://px/swift/proxy"); err == nil {
		t.Fatal("a non-list from the upstream passed")
	}
	if _, err := p.Rewrite(nil, "/mona/LinkedList/1.0.0", []byte(`{"x":1}`), base, "http://px/swift/proxy"); err == nil {
		t.Fatal("a release document without id passed")
	}

	h := fakehost.New(&sdk.RepoContext{Key: "all", Kind: "virtual", Format: "swift", BaseURL: "http://k/swift/all"})
	merged, err := p.Merge(h, "/mona/LinkedList", [][]byte{listOf(t, "0.9.0", "1.1.0"), got})
	if err != nil {
		t.Fatal(err)
	}
	if doc, err := sdk.CallMergeDocument(p, h, "/mona/LinkedList", [][]byte{listOf(t, "0.9.0", "1.1.0"), got}); err != nil ||
		string(doc.Body) != string(merged) || len(doc.Headers) != 1 || doc.Headers[0].Name != "Content-Version" {
		t.Fatalf("merged document: %v %v", doc.Headers, err)
	}
	var doc struct {
		Releases map[string]struct {
			URL     string
			Problem json.RawMessage
		}
	}
	if err := json.Unmarshal(merged, &doc); err != nil || len(doc.Releases) != 4 {
		t.Fatalf("merged: %v %s", err, merged)
	}
	for v, r := range doc.Releases {
		if r.URL != "http://k/swift/all/mona/LinkedList/"+v {
			t.Fatalf("url %s", r.URL)
		}
	}
	if !strings.HasPrefix(string(merged), `{"releases":{"1.1.0":`) {
		t.Fatalf("not in precedence order: %s", merged)
	}
	plugintest.GoldenJSON(t, "golden/virtual-releases.json", merged)
	info := []byte(`{"id":"mona.LinkedList","version":"1.0.0","resources":[],"metadata":{}}`)
	if m, err := p.Merge(h, "/mona/LinkedList/1.0.0", [][]byte{[]byte("junk"), info}); err != nil || string(m) != string(info) {
		t.Fatalf("merged release: %v %s", err, m)
	}
}
