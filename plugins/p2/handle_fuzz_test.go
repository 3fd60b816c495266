package p2

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with built jars, makes the plugin panic
// or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, Plugin{}, "p2", "http://k/p2/r", []plugintest.FuzzSeed{
		plugintest.Seed(2, "/plugins/org.keeper.a_1.2.3.v20261207.jar", "", "", bundleA),
		plugintest.Seed(2, "/features/org.keeper.feature_1.0.0.qualifier.jar", "", "", feature),
		plugintest.Seed(2, "/plugins/org.keeper.b_2.0.0.jar", "", "", bundleB[:len(bundleB)/2]),
		plugintest.Seed(0, "/content.jar", "", "", nil),
		plugintest.Seed(0, "/p2.index", "", "", nil),
	})
}
