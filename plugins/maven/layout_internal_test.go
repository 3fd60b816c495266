package maven

import (
	"sort"
	"strings"
	"testing"
)

func TestParseArtifact(t *testing.T) {
	cases := []struct {
		path string
		want *artifact
	}{
		{"org/ex/lib/1.0/lib-1.0.jar", &artifact{GroupPath: "org/ex", ArtifactID: "lib", Version: "1.0", Extension: "jar"}},
		{"org/ex/lib/1.0/lib-1.0-sources.jar", &artifact{GroupPath: "org/ex", ArtifactID: "lib", Version: "1.0", Classifier: "sources", Extension: "jar"}},
		{"org/ex/lib/1.0/lib-1.0.tar.gz", &artifact{GroupPath: "org/ex", ArtifactID: "lib", Version: "1.0", Extension: "tar.gz"}},
		{"org/ex/lib/1.0/lib-1.0.jar.asc", &artifact{GroupPath: "org/ex", ArtifactID: "lib", Version: "1.0", Extension: "jar.asc"}},
		{"g/lib/1.0-SNAPSHOT/lib-1.0-20240102.030405-17-tests.jar", &artifact{GroupPath: "g", ArtifactID: "lib", Version: "1.0-SNAPSHOT",
			Classifier: "tests", Extension: "jar", Timestamp: "20240102.030405", Build: 17}},
		{"g/lib/1.0-SNAPSHOT/lib-1.0-SNAPSHOT.pom", &artifact{GroupPath: "g", ArtifactID: "lib", Version: "1.0-SNAPSHOT", Extension: "pom"}},
		{"g/lib/1.0/lib-1.0", nil},
		{"g/lib/1.0/lib-1.0.", nil},
		{"g/lib/1.0/lib-1.0-.jar", nil},
		{"g/lib/1.0/lib-1.01.jar", nil},
		{"g/lib/1.0/lib-1.0.jar.sha1", nil},
		{"lib/1.0/lib-1.0.jar", nil},
		{"g/lib/1.0-SNAPSHOT/lib-1.0-2024.jar", nil},
		{"g/lib/1.0-SNAPSHOT/lib-1.0-20240102.030405-0.jar", nil},
		{"g/l:b/1.0/l:b-1.0.jar", nil},
	}
	for _, c := range cases {
		got, ok := parseArtifact(c.path, strings.Split(c.path, "/"))
		if c.want == nil {
			if ok {
				t.Errorf("%s: parsed as %+v", c.path, got)
			}
			continue
		}
		c.want.Path = c.path
		if !ok || got != *c.want {
			t.Errorf("%s:\n got %+v %v\nwant %+v", c.path, got, ok, *c.want)
		}
	}
	a, _ := parseArtifact("g/h/lib/1.0-SNAPSHOT/lib-1.0-20240102.030405-17.jar", strings.Split("g/h/lib/1.0-SNAPSHOT/lib-1.0-20240102.030405-17.jar", "/"))
	if a.FileVersion() != "1.0-20240102.030405-17" || a.Package() != "g.h:lib" || a.Dir() != "g/h/lib/1.0-SNAPSHOT/" {
		t.Fatalf("%+v %s %s", a, a.FileVersion(), a.Package())
	}
}

func TestCleanPath(t *testing.T) {
	for _, p := range []string{"/", "/a/../b", "/a/%2e%2e/b", "/a\\b", "/a%5cb", "/a%00b", "/a//b", "/%zz"} {
		if _, _, err := cleanPath(p); err == nil {
			t.Errorf("%q accepted", p)
		}
	}
	if p, segs, err := cleanPath("/a/b%20c/d"); err != nil || p != "a/b c/d" || len(segs) != 3 {
		t.Fatalf("%q %v %v", p, segs, err)
	}
}

func TestCompareVersions(t *testing.T) {
	// Ascending per the version order specification.
	ordered := []string{"1-alpha", "1-alpha2", "1-beta", "1-milestone", "1-rc", "1-SNAPSHOT", "1", "1-sp", "1-foo",
		"1.0.1", "1.1-SNAPSHOT", "1.1", "1.2", "1.10", "2.0-rc1", "2.0", "10"}
	got := append([]string(nil), ordered...)
	sort.Slice(got, func(i, j int) bool { return compareVersions(got[i], got[j]) < 0 })
	for i := range got {
		if got[i] != ordered[i] {
			t.Fatalf("order %v, want %v", got, ordered)
		}
	}
	for _, eq := range [][2]string{{"1.0", "1"}, {"1.0.0", "1-ga"}, {"1-final", "1"}, {"1-cr1", "1-rc1"}} {
		if ta, tb := tokenize(eq[0]), tokenize(eq[1]); len(ta) != len(tb) {
			t.Errorf("%s and %s should be equivalent: %v %v", eq[0], eq[1], ta, tb)
		}
	}
}

func TestPrefixFromArtifactID(t *testing.T) {
	for id, want := range map[string]string{"maven-jar-plugin": "jar", "greet-maven-plugin": "greet", "foo-plugin": "foo", "tool": "tool"} {
		if got := prefixFromArtifactID(id); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	p := Plugin{}
	if p.Classify("/g/a/maven-metadata.xml") != 1 || p.Classify("/g/a/1-SNAPSHOT/a-1-20240101.000000-1.jar") != 1 ||
		p.Classify("/g/a/1/a-1.jar") != 0 || p.Classify("/g/a/1/a-1.jar.sha1") != 0 {
		t.Fatal("classify")
	}
}
