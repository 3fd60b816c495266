package ivy_test

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/ivy"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestClassify(t *testing.T) {
	for p, want := range map[string]sdk.CacheClass{
		"/org.example/demo/1.0/ivys/ivy.xml":           sdk.Immutable,
		"/org.example/demo/1.0/jars/demo-1.0.jar.sha1": sdk.Immutable,
		"/org/example/demo/1.0/demo-1.0.pom":           sdk.Immutable,
		"/org.example/demo/":                           sdk.Mutable,
		"/org.example/demo":                            sdk.Mutable,
		"/org/example/demo/maven-metadata.xml":         sdk.Mutable,
		"/org/example/demo/maven-metadata.xml.sha1":    sdk.Mutable,
		"/a/../b": sdk.Unknown,
	} {
		if got := (ivy.Plugin{}).Classify(p); got != want {
			t.Errorf("%s: %d, want %d", p, got, want)
		}
	}
}

// TestMergeListings: a virtual repository's revision listing is the union
// of its members', in the form Ivy's ApacheURLLister reads;
// maven-metadata.xml joins the versions.
func TestMergeListings(t *testing.T) {
	a := newEnv(t)
	a.publish("org.example", "demo", "1.0", jar("a"), jar("s"))
	b := newEnv(t)
	b.publish("org.example", "demo", "2.0", jar("b"), jar("s"))
	b.publish("org.example", "demo", "1.0", jar("b"), jar("s"))
	docs := [][]byte{a.do("GET", "/org.example/demo/", nil).Bytes, b.do("GET", "/org.example/demo/", nil).Bytes}
	out, err := ivy.Plugin{}.Merge(a.h, "/org.example/demo/", docs)
	if err != nil {
		t.Fatal(err)
	}
	plugintest.Golden(t, "golden/virtual-revisions.html", out)
	if strings.Count(string(out), `<a href="1.0/">`) != 1 || !strings.Contains(string(out), `<a href="2.0/">2.0/</a>`) {
		t.Fatalf("merged: %s", out)
	}
	docs = [][]byte{a.do("GET", "/org/example/demo/maven-metadata.xml", nil).Bytes, b.do("GET", "/org/example/demo/maven-metadata.xml", nil).Bytes}
	out, err = ivy.Plugin{}.Merge(a.h, "/org/example/demo/maven-metadata.xml", docs)
	if err != nil || strings.Count(string(out), "<version>") != 2 {
		t.Fatalf("merged metadata: %v %s", err, out)
	}
	if _, err := (ivy.Plugin{}).Merge(a.h, "/org/example/demo/maven-metadata.xml", [][]byte{[]byte("<junk")}); err == nil {
		t.Fatal("junk merged")
	}
}

// TestDescribe: the plugin declares sbt as an alias (the host resolves a
// repository created with format "sbt" to "ivy"; e2e/ivy_test.go creates
// one that way).
func TestDescribe(t *testing.T) {
	info := ivy.Plugin{}.Describe()
	if info.Key != "ivy" || len(info.Aliases) != 1 || info.Aliases[0] != "sbt" || info.Mounts[0].Prefix != "/ivy/" {
		t.Fatalf("describe: %+v", info)
	}
}
