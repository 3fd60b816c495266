package vagrant

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with a box upload and the paths vagrant
// reads, makes the plugin panic or answer a server error.
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, Plugin{}, "vagrant", base, []plugintest.FuzzSeed{
		plugintest.Seed(2, "/acme/base/1.0.0/libvirt.box", "", "application/octet-stream", libvirtBox("1")),
		plugintest.Seed(2, "/acme/base", "", "application/json", []byte(`{"description":"d"}`)),
		plugintest.Seed(0, "/acme/base", "", "", nil),
		plugintest.Seed(0, "/acme/base.json", "", "", nil),
		plugintest.Seed(4, "/acme/base/1.0.0/libvirt.box", "", "", nil),
	})
}
