package bazel_test

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/bazel"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestClassify(t *testing.T) {
	for p, want := range map[string]sdk.CacheClass{
		"/archives/demo/1.0.0/demo-1.0.0.tar.gz": sdk.Immutable,
		"/modules/demo/1.0.0/MODULE.bazel":       sdk.Immutable,
		"/modules/demo/1.0.0/source.json":        sdk.Mutable,
		"/modules/demo/metadata.json":            sdk.Mutable,
		"/bazel_registry.json":                   sdk.Mutable,
		"/ac/" + strings.Repeat("a", 64):         sdk.Local,
		"/cas/" + strings.Repeat("a", 64):        sdk.Local,
	} {
		if got := (bazel.Plugin{}).Classify(p); got != want {
			t.Errorf("%s: %d, want %d", p, got, want)
		}
	}
}

// TestRewriteAndMerge: a remote's source.json points its url under the
// remote; a virtual's metadata.json joins its members' versions and its
// source.json points under the virtual.
func TestRewriteAndMerge(t *testing.T) {
	a := newEnv(t)
	a.do("PUT", "/modules/demo/1.0.0/archive", moduleArchive("demo", "1.0.0"))
	b := newEnv(t)
	b.do("PUT", "/modules/demo/2.0.0/archive", moduleArchive("demo", "2.0.0"))
	src := b.do("GET", "/modules/demo/2.0.0/source.json", nil).Bytes
	out, err := bazel.Plugin{}.Rewrite(a.h, "/modules/demo/2.0.0/source.json", src, base, "http://px/bazel/proxy")
	if err != nil || !strings.Contains(string(out), `"url": "http://px/bazel/proxy/archives/demo/2.0.0/demo-2.0.0.tar.gz"`) {
		t.Fatalf("rewrite: %v %s", err, out)
	}
	out, err = bazel.Plugin{}.Merge(a.h, "/modules/demo/metadata.json",
		[][]byte{a.do("GET", "/modules/demo/metadata.json", nil).Bytes, b.do("GET", "/modules/demo/metadata.json", nil).Bytes})
	if err != nil || !strings.Contains(string(out), `"1.0.0"`) || !strings.Contains(string(out), `"2.0.0"`) {
		t.Fatalf("merge: %v %s", err, out)
	}
	plugintest.Golden(t, "golden/virtual-metadata.json", out)
	if _, err := (bazel.Plugin{}).Rewrite(a.h, "/modules/demo/2.0.0/source.json", []byte("<html>"), base, "x"); err == nil {
		t.Fatal("junk source.json rewritten")
	}
}
