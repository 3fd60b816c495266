package cargo_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/cargo"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with what real clients sent (testdata),
// makes the plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, cargo.Plugin{}, "cargo", "http://k/cargo/r", cargoSeeds(f))
}

func cargoSeeds(f *testing.F) []plugintest.FuzzSeed {
	return []plugintest.FuzzSeed{
		plugintest.Seed(2, "/api/v1/crates/new", "", "", plugintest.Testdata(f, "publish/demo-lib-0.1.0.bin")),
		plugintest.Seed(2, "/api/v1/crates/new", "", "", plugintest.Testdata(f, "publish/demo_util-1.0.0-beta.1.bin")),
		plugintest.Seed(2, "/api/v1/crates/new", "", "", []byte{4, 0, 0, 0, '{', '}', 0, 0, 0, 0, 0, 0}),
		plugintest.Seed(0, "/config.json", "", "", nil),
		plugintest.Seed(0, "/de/mo/demo-lib", "", "", nil),
		plugintest.Seed(5, "/api/v1/crates/demo-lib/0.1.0/yank", "", "", nil),
		plugintest.Seed(0, "/api/v1/crates", "q=demo&per_page=5", "", nil),
		plugintest.Seed(0, "/api/v1/crates/demo-lib/0.1.0/download", "", "", nil),
	}
}
