package bazel_test

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/bazel"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with what Bazel's registry and cache
// clients and a publish send, makes the plugin panic or answer a server
// error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, bazel.Plugin{}, "bazel", base, []plugintest.FuzzSeed{
		plugintest.Seed(2, "/modules/demo/1.0.0/archive", "", "application/gzip", moduleArchive("demo", "1.0.0")),
		plugintest.Seed(2, "/ac/"+strings.Repeat("a", 64), "", "", []byte("r")),
		plugintest.Seed(2, "/cas/"+strings.Repeat("a", 64), "", "", []byte("r")),
		plugintest.Seed(0, "/modules/demo/metadata.json", "", "", nil),
		plugintest.Seed(0, "/modules/demo/1.0.0/source.json", "", "", nil),
		plugintest.Seed(1, "/cas/"+strings.Repeat("b", 64), "", "", nil),
	})
}
