package opkg

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with built packages of both outer forms,
// makes the plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	good, tl := hello.build(), tool.build()
	plugintest.FuzzHandle(f, Plugin{}, "opkg", "http://k/opkg/r", []plugintest.FuzzSeed{
		plugintest.Seed(2, feed+"keeper-hello_1.0-1_x86_64.ipk", "", "", good),
		plugintest.Seed(2, feed+"keeper-tool_0.3-r2_all.ipk", "", "", tl),
		plugintest.Seed(2, feed+"keeper-hello_1.0-1_x86_64.ipk", "", "", good[:len(good)/2]),
		plugintest.Seed(0, feed+"Packages.gz", "", "", nil),
		plugintest.Seed(0, "/key.asc", "", "", nil),
	})
}
