package conan_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// seedRef uploads a recipe revision of name/version@user/channel.
func (e *env) seedRef(name, version, uc string) {
	e.t.Helper()
	exported := map[string][]byte{"conanfile.py": []byte("from conan import ConanFile\n")}
	man, rev := manifest(exported)
	base := "/v2/conans/" + name + "/" + version + "/" + uc + "/revisions/" + rev + "/files/"
	e.want(e.do("alice", "PUT", base+"conanfile.py", "", exported["conanfile.py"]), 201, "")
	e.want(e.do("alice", "PUT", base+"conanmanifest.txt", "", []byte(man)), 201, "")
}

func results(t *testing.T, b []byte) []string {
	var doc struct{ Results []string }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return doc.Results
}

// TestSearch replays `conan search` / `conan list PATTERN -r keeper`
// (RestV2Methods.search: GET v2/conans/search?q=PATTERN, ignorecase=False
// only when asked), matched like RecipeReference.partial_match.
func TestSearch(t *testing.T) {
	e := newEnv(t)
	e.seedRef("zlib", "1.3", "_/_")
	e.seedRef("zlib", "1.2.13", "_/_")
	e.seedRef("Zstd", "1.5.5", "corp/stable")
	e.seedRef("openssl", "3.2.0", "_/_")
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"q=zlib", []string{"zlib/1.2.13", "zlib/1.3"}},
		{"q=z*", []string{"Zstd/1.5.5@corp/stable", "zlib/1.2.13", "zlib/1.3"}},
		{"q=z*&ignorecase=False", []string{"zlib/1.2.13", "zlib/1.3"}},
		{"q=zlib/1.?", []string{"zlib/1.3"}},
		{"q=*@corp/*", []string{"Zstd/1.5.5@corp/stable"}},
		{"q=ZSTD/1.5.5@corp", []string{"Zstd/1.5.5@corp/stable"}},
		{"q=nothing*", []string{}},
		{"", []string{"Zstd/1.5.5@corp/stable", "openssl/3.2.0", "zlib/1.2.13", "zlib/1.3"}},
	} {
		r := e.do("", "GET", "/v2/conans/search", c.query, nil)
		if got := results(t, r.Bytes); r.Status != 200 || !slices.Equal(got, c.want) {
			t.Errorf("%s: %d %q, want %q", c.query, r.Status, got, c.want)
		}
	}
	plugintest.GoldenJSON(t, "golden/search.json", e.do("", "GET", "/v2/conans/search", "q=z*", nil).Bytes)
	e.want(e.do("", "GET", "/v2/conans/search", "q=%zz", nil), 400, "malformed query")
}

// TestRemove replays `conan remove` (RestV2Methods.remove_recipe,
// remove_all_packages, remove_packages): files and revisions go together.
func TestRemove(t *testing.T) {
	e := newEnv(t)
	f := newFixture()
	e.put(f.recipe, f.recipeFile)
	e.put(f.pkg, f.packageFile)

	e.want(e.do("alice", "DELETE", f.packagePath()+"/revisions/"+f.pkg.rev, "", nil), 200, "")
	e.want(e.do("", "GET", f.packagePath()+"/latest", "", nil), 404, "Binary package not found")
	e.want(e.do("alice", "DELETE", f.packagePath()+"/revisions/"+f.pkg.rev, "", nil), 404, "Binary package not found")
	e.put(f.pkg, f.packageFile)
	e.want(e.do("alice", "DELETE", refPath+"/revisions/"+f.recipe.rev+"/packages", "", nil), 200, "")
	e.want(e.do("", "GET", refPath+"/search", "", nil), 200, "{}")
	for p := range e.h.Files {
		if len(p) > len(f.packagePath()) && p[:len(f.packagePath())-1] == f.packagePath()[1:] {
			t.Fatalf("package file left: %s", p)
		}
	}
	e.put(f.pkg, f.packageFile)
	e.want(e.do("alice", "DELETE", refPath+"/revisions/"+f.recipe.rev, "", nil), 200, "")
	if len(e.h.Files) != 0 || len(e.h.Versions) != 0 {
		t.Fatalf("left after removing the revision: %d files, %d versions", len(e.h.Files), len(e.h.Versions))
	}
	e.put(f.recipe, f.recipeFile)
	e.want(e.do("alice", "DELETE", refPath, "", nil), 200, "")
	e.want(e.do("", "GET", refPath+"/latest", "", nil), 404, "Recipe not found")
	if len(e.h.Files) != 0 {
		t.Fatalf("files left: %d", len(e.h.Files))
	}
	if got := results(t, e.do("", "GET", "/v2/conans/search", "q=hello", nil).Bytes); len(got) != 0 {
		t.Fatalf("a removed reference is still found: %q", got)
	}
}
