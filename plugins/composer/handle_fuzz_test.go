package composer_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/composer"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request makes the plugin panic or answer a server error.
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, composer.Plugin{}, "composer", "http://k/composer/r", []plugintest.FuzzSeed{
		plugintest.Seed(2, "/api/packages", "", "application/zip", pkgZip(f, "keeper/demo", "1.0.0", "")),
		plugintest.Seed(3, "/api/packages", "version=1.2.0", "application/zip", pkgZip(f, "keeper/demo", "", "")),
		plugintest.Seed(0, "/packages.json", "", "", nil),
		plugintest.Seed(0, "/p2/keeper/demo.json", "", "", nil),
		plugintest.Seed(0, "/p2/keeper/demo~dev.json", "", "", nil),
		plugintest.Seed(0, "/search.json", "q=demo&type=library&per_page=2&page=1", "", nil),
	})
}
