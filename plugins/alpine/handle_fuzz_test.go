package alpine

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with built packages, makes the plugin
// panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	good, _ := hello.build()
	plugintest.FuzzHandle(f, Plugin{}, "alpine", "http://k/alpine/r", []plugintest.FuzzSeed{
		plugintest.Seed(2, dir+"keeper-hello-1.0-r0.apk", "", "", good),
		plugintest.Seed(2, dir+"keeper-hello-1.0-r0.apk", "", "", good[:len(good)/2]),
		plugintest.Seed(0, dir+"APKINDEX.tar.gz", "", "", nil),
		plugintest.Seed(0, "/keys/k.rsa.pub", "", "", nil),
	})
}
