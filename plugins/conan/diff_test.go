package conan_test

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/conan"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs the upload and install replay, refusals,
// search and removal through the native plugin and through its .wasm on
// adapters/wasm (whose host lists the archives), each against its own
// in-memory host, and requires identical outcomes and staged writes. (An
// archive with a ".." entry is refused on both, but the real host's lister
// refuses it before the plugin's check, with its own wording: TestRefusals
// and the e2e test cover it.)
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "conan", conan.Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "cpp", Type: "local", Format: "conan", BaseURL: "http://h/conan/cpp"}
	d.User = "alice"
	f := newFixture()
	var reqs []ports.FormatRequest
	get := func(p, q string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: p, RawQuery: q} }
	put := func(p string, b []byte) ports.FormatRequest {
		return ports.FormatRequest{Method: "PUT", Path: p, Body: d.Body(b)}
	}
	reqs = append(reqs, get("/v1/ping", ""), get("/v2/users/check_credentials", ""), get(refPath+"/revisions", ""),
		put(f.recipeFile("conan_sources.tgz"), f.recipe.files["conan_sources.tgz"][:20]),
		put(f.recipeFile("conanmanifest.txt"), f.recipe.files["conanmanifest.txt"]))
	for _, n := range f.recipe.order() {
		reqs = append(reqs, put(f.recipeFile(n), f.recipe.files[n]))
	}
	reqs = append(reqs, put(f.recipeFile("conanfile.py"), []byte(conanfile)), get(f.packagePath()+"/revisions", ""))
	for _, n := range f.pkg.order() {
		reqs = append(reqs, put(f.packageFile(n), f.pkg.files[n]))
	}
	reqs = append(reqs, get(refPath+"/latest", ""), get(refPath+"/revisions", ""),
		get(refPath+"/revisions/"+f.recipe.rev+"/files", ""), get(f.recipeFile("conanfile.py"), ""),
		get(f.recipeFile("missing.txt"), ""),
		get(f.packagePath()+"/latest", ""), get(f.packagePath()+"/revisions", ""),
		get(f.packagePath()+"/revisions/"+f.pkg.rev+"/files", ""), get(refPath+"/revisions/"+f.recipe.rev+"/search", ""),
		get("/v2/conans/search", "q=hel*"), get("/v2/conans/nope/1/_/_/latest", ""),
		ports.FormatRequest{Method: "DELETE", Path: f.packagePath() + "/revisions/" + f.pkg.rev},
		ports.FormatRequest{Method: "DELETE", Path: refPath},
		get(refPath+"/latest", ""), get("/v2/conans/search", "q=*"))
	d.Run(reqs)
}
