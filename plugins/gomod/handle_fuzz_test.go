package gomod_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with what real clients sent (testdata),
// makes the plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, plugin, "go", "http://k/go/r", gomodSeeds(f))
}

func gomodSeeds(f *testing.F) []plugintest.FuzzSeed {
	return []plugintest.FuzzSeed{
		plugintest.Seed(2, "/example.com/!lib/hello/@v/v1.0.0.zip", "time=2025-01-02T03:04:05Z", "", plugintest.Testdata(f, "hello-v1.0.0.zip")),
		plugintest.Seed(2, "/example.com/!lib/hello/v2/@v/v2.0.0.zip", "", "", plugintest.Testdata(f, "hello-v2.0.0.zip")),
		plugintest.Seed(2, "/example.com/legacy/@v/v2.0.0+incompatible.zip", "", "", plugintest.Testdata(f, "legacy-v2.0.0+incompatible.zip")),
		plugintest.Seed(0, "/example.com/!lib/hello/@v/list", "", "", nil),
		plugintest.Seed(0, "/example.com/!lib/hello/@latest", "", "", nil),
		plugintest.Seed(0, "/example.com/!lib/hello/@v/v1.0.0.info", "", "", nil),
		plugintest.Seed(0, "/sumdb/sum.golang.org/supported", "", "", nil),
	}
}
