package conan_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/conan"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with what the Conan client sends, makes the
// plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	fx := newFixture()
	seeds := []plugintest.FuzzSeed{
		plugintest.Seed(0, "/v1/ping", "", "", nil),
		plugintest.Seed(0, "/v2/users/authenticate", "", "", nil),
		plugintest.Seed(0, "/v2/conans/search", "q=hel*", "", nil),
		plugintest.Seed(0, refPath+"/latest", "", "", nil),
		plugintest.Seed(0, fx.packagePath()+"/revisions", "", "", nil),
	}
	for _, n := range fx.recipe.order() {
		seeds = append(seeds, plugintest.Seed(2, fx.recipeFile(n), "", "application/octet-stream", fx.recipe.files[n]))
	}
	for _, n := range fx.pkg.order() {
		seeds = append(seeds, plugintest.Seed(2, fx.packageFile(n), "", "application/octet-stream", fx.pkg.files[n]))
	}
	plugintest.FuzzHandle(f, conan.Plugin{}, "conan", "http://k/conan/r", seeds)
}
