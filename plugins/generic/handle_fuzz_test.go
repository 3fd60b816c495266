package generic_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/generic"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with what real clients sent (testdata),
// makes the plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, generic.Plugin{}, "generic", "http://k/generic/r", genericSeeds(f))
}

func genericSeeds(*testing.F) []plugintest.FuzzSeed {
	return []plugintest.FuzzSeed{
		plugintest.Seed(2, "/a/b.txt", "", "text/plain", []byte("hello")),
		plugintest.Seed(0, "/a/", "format=json", "", nil),
		plugintest.Seed(4, "/a/b.txt", "", "", nil),
		plugintest.Seed(2, "/a/%2e%2e/b", "", "", []byte("x")),
	}
}
