package rubygems_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/plugins/rubygems"
)

// FuzzHandle: no request, seeded with real gems, makes the plugin panic or
// answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, rubygems.Plugin{}, "rubygems", "http://k/gems/r", []plugintest.FuzzSeed{
		plugintest.Seed(1, "/api/v1/gems", "", "application/octet-stream", plugintest.Testdata(f, "keeper_demo-1.0.0.gem")),
		plugintest.Seed(1, "/api/v1/gems", "", "application/octet-stream", plugintest.Testdata(f, "keeper_dep-0.2.0.gem")),
		plugintest.Seed(0, "/versions", "", "", nil),
		plugintest.Seed(0, "/info/keeper_demo", "", "", nil),
		plugintest.Seed(0, "/specs.4.8.gz", "", "", nil),
		plugintest.Seed(0, "/api/v1/dependencies", "gems=keeper_demo", "", nil),
		plugintest.Seed(5, "/api/v1/gems/yank", "gem_name=keeper_demo&version=1.0.0", "", nil),
	})
}
