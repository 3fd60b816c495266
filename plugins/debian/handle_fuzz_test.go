package debian_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/debian"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request makes the plugin panic or answer a server error
// (plugintest.FuzzHandle), seeded with a real upload and the index paths.
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, debian.Plugin{}, "debian", "http://k/debian/r", []plugintest.FuzzSeed{
		plugintest.Seed(3, "/upload", "distribution=stable&component=main", "", makeDeb(controlText("hello", "1.0", "amd64"))),
		plugintest.Seed(2, "/pool/main/h/hello/hello_1.0_amd64.deb", "", "", makeDeb(controlText("hello", "1.0", "amd64"))),
		plugintest.Seed(0, "/dists/stable/InRelease", "", "", nil),
		plugintest.Seed(0, "/gpg-key.asc", "", "", nil),
	})
}
