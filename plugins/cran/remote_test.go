package cran

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestClassify(t *testing.T) {
	for path, want := range map[string]sdk.CacheClass{
		"/src/contrib/PACKAGES": sdk.Mutable, "/src/contrib/PACKAGES.rds": sdk.Mutable, "/bin/windows/contrib/4.2/PACKAGES.gz": sdk.Mutable,
		"/src/contrib/a_1.0.tar.gz": sdk.Immutable, "/src/contrib/Archive/a/a_0.1.tar.gz": sdk.Immutable,
		"/bin/windows/contrib/4.2/a_1.0.zip": sdk.Immutable, "/bin/macosx/contrib/4.2/a_1.0.tgz": sdk.Immutable, "/": sdk.Mutable,
	} {
		if got := (Plugin{}).Classify(path); got != want {
			t.Errorf("%s: %v, want %v", path, got, want)
		}
	}
}

// TestMerge merges two members' indexes in each representation: the
// highest version of a package wins, the first member's on a tie.
func TestMerge(t *testing.T) {
	a, b := newHost(), newHost()
	mustStatus(t, serve(a, "PUT", "/src/contrib/keeperdemo_1.0.0.tar.gz", fixture(t, "keeperdemo_1.0.0.tar.gz")), 201, "")
	mustStatus(t, serve(a, "PUT", "/src/contrib/onlya_1.0.tar.gz", tarGz(t, [2]string{"onlya/DESCRIPTION", desc("onlya", "1.0")})), 201, "")
	mustStatus(t, serve(b, "PUT", "/src/contrib/keeperdemo_1.1.0.tar.gz", fixture(t, "keeperdemo_1.1.0.tar.gz")), 201, "")
	mustStatus(t, serve(b, "PUT", "/src/contrib/onlya_1.0.tar.gz", tarGz(t, [2]string{"onlya/DESCRIPTION", desc("onlya", "1.0", "Suggests: b")})), 201, "")
	mustStatus(t, serve(b, "PUT", "/src/contrib/aardvark_3.0.tar.gz", tarGz(t, [2]string{"aardvark/DESCRIPTION", desc("aardvark", "3.0")})), 201, "")
	var text []byte
	for _, file := range []string{"PACKAGES", "PACKAGES.gz", "PACKAGES.rds"} {
		path := "/src/contrib/" + file
		got, err := Plugin{}.Merge(nil, path, [][]byte{serve(a, "GET", path, nil).Bytes, serve(b, "GET", path, nil).Bytes})
		if err != nil {
			t.Fatal(err)
		}
		recs, _, err := decodeIndex(file, got)
		if err != nil {
			t.Fatal(err)
		}
		if file == "PACKAGES" {
			text = got
			plugintest.Golden(t, "golden/merged-PACKAGES", got)
		} else if r := renderPACKAGES(recs); string(r) != string(text) {
			t.Fatalf("%s merged differs from PACKAGES:\n%s", file, r)
		}
	}
	s := string(text)
	if !strings.Contains(s, "Package: aardvark\n") || !strings.Contains(s, "Version: 1.1.0") || strings.Contains(s, "Suggests: b") ||
		strings.Index(s, "aardvark") > strings.Index(s, "keeperdemo") {
		t.Fatalf("merged:\n%s", s)
	}
	if _, err := (Plugin{}).Merge(nil, "/src/contrib/PACKAGES.rds", [][]byte{[]byte("\xfd7zXZ"), []byte("x")}); err == nil {
		t.Fatal("an xz rds merged")
	}
	if got, _ := (Plugin{}).Merge(nil, "/src/contrib/other", [][]byte{[]byte("1"), []byte("2")}); string(got) != "1" {
		t.Fatal("a non-index document is not the first member's")
	}
}
