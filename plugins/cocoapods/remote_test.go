package cocoapods_test

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/cocoapods"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// TestRewriteAndMerge: a remote repository's podspec gets an http source
// under the upstream moved under the remote (other sources kept); a
// virtual repository joins its members' pod lists and shards.
func TestRewriteAndMerge(t *testing.T) {
	p := cocoapods.Plugin{}
	for path, want := range map[string]sdk.CacheClass{
		"/Specs/a/b/c/X/1.0/X.podspec.json": sdk.Mutable, "/pods/X/1.0/X-1.0.zip": sdk.Immutable,
		"/all_pods_versions_a_b_c.txt": sdk.Mutable, "/all_pods.txt": sdk.Mutable, "/CocoaPods-version.yml": sdk.Mutable,
	} {
		if got := p.Classify(path); got != want {
			t.Errorf("Classify(%s) = %v", path, got)
		}
	}
	e := newEnv(t)
	e.want(e.push(podspecOf("Alamofire", "5.8.0"), podArchive("Alamofire", "x")), 201, "")
	var spec []byte
	for path, f := range e.h.Files {
		if strings.HasSuffix(path, ".podspec.json") {
			spec = e.h.Blobs[f.BlobDigest]
		}
	}
	got, err := p.Rewrite(nil, "/Specs/a/b/c/Alamofire/5.8.0/Alamofire.podspec.json", spec, base, "http://px/cocoapods/proxy")
	if err != nil || !strings.Contains(string(got), `"http": "http://px/cocoapods/proxy/pods/Alamofire/5.8.0/Alamofire-5.8.0.zip"`) {
		t.Fatalf("rewritten: %v %s", err, got)
	}
	plugintest.GoldenJSON(t, "golden/remote-podspec.json", got)
	git := []byte(podspecOf("Other", "1.0.0"))
	if got, err := p.Rewrite(nil, "/Specs/a/b/c/Other/1.0.0/Other.podspec.json", git, base, "http://px/cocoapods/proxy"); err != nil || string(got) != string(git) {
		t.Fatalf("a git source changed: %v %s", err, got)
	}
	if _, err := p.Rewrite(nil, "/Specs/a/b/c/X/1.0/X.podspec.json", []byte("<html>"), base, "http://px"); err == nil {
		t.Fatal("a non-podspec from the upstream passed")
	}
	merged, err := p.Merge(nil, "/all_pods_versions_0_1_2.txt", [][]byte{[]byte("A/1.0/1.1\nB/2.0\n"), []byte("A/1.1/1.2\nC/3.0\nbad name/1\n")})
	if err != nil || string(merged) != "A/1.0/1.1/1.2\nB/2.0\nC/3.0\n" {
		t.Fatalf("merged shard: %v %q", err, merged)
	}
	merged, err = p.Merge(nil, "/all_pods.txt", [][]byte{[]byte("B\nA\n"), []byte("A\nC\n")})
	if err != nil || string(merged) != "A\nB\nC\n" {
		t.Fatalf("merged pods: %v %q", err, merged)
	}
}
