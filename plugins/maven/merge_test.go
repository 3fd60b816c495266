package maven_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/maven"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestClassify(t *testing.T) {
	for path, want := range map[string]sdk.CacheClass{
		"/org/example/lib/1.0.0/lib-1.0.0.jar":                        sdk.Immutable,
		"/org/example/lib/1.0.0/lib-1.0.0.jar.sha1":                   sdk.Immutable,
		"/org/example/lib/1.0.0/lib-1.0.0-sources.jar.sha512":         sdk.Immutable,
		"/org/example/lib/1.0.0/lib-1.0.0.pom":                        sdk.Immutable,
		"/org/example/lib/maven-metadata.xml":                         sdk.Mutable,
		"/org/example/lib/maven-metadata.xml.sha1":                    sdk.Mutable,
		"/org/example/lib/maven-metadata.xml.md5":                     sdk.Mutable,
		"/org/example/maven-metadata.xml":                             sdk.Mutable,
		"/org/example/lib/1.1-SNAPSHOT/maven-metadata.xml":            sdk.Mutable,
		"/org/example/lib/1.1-SNAPSHOT/lib-1.1-SNAPSHOT.jar":          sdk.Mutable,
		"/org/example/lib/1.1-SNAPSHOT/lib-1.1-20261130.030326-1.jar": sdk.Mutable,
	} {
		if got := (maven.Plugin{}).Classify(path); got != want {
			t.Errorf("Classify(%s) = %v, want %v", path, got, want)
		}
	}
}

func mergeFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "merge", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMergeGolden: versions are the union in Maven's order (a hostile one
// dropped), latest and release recomputed, lastUpdated the newest, the
// group-level plugins kept; the order of the members changes only which
// member's plugin wins, not the versions.
func TestMergeGolden(t *testing.T) {
	local, up := mergeFixture(t, "local.xml"), mergeFixture(t, "upstream.xml")
	out, err := (maven.Plugin{}).Merge(nil, "/org/example/keeper/lib/maven-metadata.xml", [][]byte{local, up})
	if err != nil {
		t.Fatal(err)
	}
	plugintest.Golden(t, "merge/merged-lib.xml", out)
	for _, want := range []string{"<latest>10.0-SNAPSHOT</latest>", "<release>2.0.0</release>", "<lastUpdated>20261201120000</lastUpdated>",
		"<version>1.0.0-alpha</version>\n      <version>1.0.0</version>\n      <version>1.9-rc1</version>\n      <version>1.9</version>\n      <version>1.10</version>\n      <version>2.0.0</version>\n      <version>10.0-SNAPSHOT</version>",
		"<prefix>greet</prefix>"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("merged document lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "etc") || strings.Count(string(out), "<version>1.0.0</version>") != 1 {
		t.Errorf("hostile or duplicate version kept:\n%s", out)
	}
	rev, err := (maven.Plugin{}).Merge(nil, "/org/example/keeper/lib/maven-metadata.xml", [][]byte{up, local})
	if err != nil || !bytes.Equal(rev, out) {
		t.Errorf("the members' order changed the merged versions (%v):\n%s", err, rev)
	}
}

func snapshotDoc(ts string, build int, updated string) []byte {
	return []byte(fmt.Sprintf(`<metadata><groupId>g</groupId><artifactId>a</artifactId><version>1.0-SNAPSHOT</version>
<versioning><snapshot><timestamp>%s</timestamp><buildNumber>%d</buildNumber></snapshot><lastUpdated>%s</lastUpdated>
<snapshotVersions><snapshotVersion><extension>jar</extension><value>1.0-%s-%d</value><updated>%s</updated></snapshotVersion></snapshotVersions>
</versioning></metadata>`, ts, build, updated, ts, build, updated))
}

// TestMergeSnapshotNewestBuild: a SNAPSHOT version's document is the
// member's with the newest build, whole (its file names exist only there).
func TestMergeSnapshotNewestBuild(t *testing.T) {
	old, newer := snapshotDoc("20261130.030326", 3, "20261130030326"), snapshotDoc("20261201.101010", 1, "20261201101010")
	p := "/g/a/1.0-SNAPSHOT/maven-metadata.xml"
	for _, docs := range [][][]byte{{old, newer}, {newer, old}} {
		out, err := (maven.Plugin{}).Merge(nil, p, docs)
		if err != nil || !bytes.Equal(out, newer) {
			t.Fatalf("want the newest build's document, got %v:\n%s", err, out)
		}
	}
	// A file under a SNAPSHOT directory is the first member's.
	if out, _ := (maven.Plugin{}).Merge(nil, "/g/a/1.0-SNAPSHOT/a-1.0-SNAPSHOT.jar", [][]byte{[]byte("one"), []byte("two")}); string(out) != "one" {
		t.Fatalf("SNAPSHOT file: %q", out)
	}
}

// TestMergeRefusesBadDocuments: what no member can be trusted with is an
// error (the host answers 502), never a panic or a partial document.
func TestMergeRefusesBadDocuments(t *testing.T) {
	p := "/g/a/maven-metadata.xml"
	good := mergeFixture(t, "local.xml")
	big := append([]byte("<metadata><versioning><versions>"), bytes.Repeat([]byte("<version>1</version>"), (32<<20)/20+1)...)
	for name, c := range map[string]struct {
		path string
		docs [][]byte
		msg  string
	}{
		"malformed":   {p, [][]byte{good, []byte("<metadata><versioning>")}, "member document 2"},
		"not XML":     {p, [][]byte{[]byte(`{"versions":[]}`), good}, "not a maven-metadata.xml"},
		"other root":  {p, [][]byte{good, []byte("<project><version>1</version></project>")}, "not a maven-metadata.xml"},
		"oversized":   {p, [][]byte{good, big}, "larger than"},
		"empty":       {p, [][]byte{[]byte("<metadata/>"), []byte("<metadata></metadata>")}, "no member document"},
		"checksum":    {p + ".sha1", [][]byte{[]byte("abc"), []byte("<html>")}, "not a checksum"},
		"no document": {p, nil, "no documents"},
	} {
		out, err := (maven.Plugin{}).Merge(nil, c.path, c.docs)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: err %v (want %q), out %.80s", name, err, c.msg, out)
		}
	}
}

// FuzzMerge: no pair of member documents makes the merge panic, and what
// it merges is a document the merge reads again.
func FuzzMerge(f *testing.F) {
	f.Add(mergeFixture(f, "local.xml"), mergeFixture(f, "upstream.xml"))
	f.Add(snapshotDoc("20261130.030326", 3, "20261130030326"), []byte("<metadata><version>1-SNAPSHOT</version></metadata>"))
	f.Add([]byte("<metadata><plugins><plugin><prefix>p</prefix><artifactId>a&amp;</artifactId></plugin></plugins></metadata>"), []byte("<metadata/>"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		out, err := (maven.Plugin{}).Merge(nil, "/g/a/maven-metadata.xml", [][]byte{a, b})
		if err != nil {
			return
		}
		if _, err := (maven.Plugin{}).Merge(nil, "/g/a/maven-metadata.xml", [][]byte{out, out}); err != nil {
			t.Fatalf("the merged document does not merge again: %v\n%s", err, out)
		}
	})
}
