package incus_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/incus"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with what the clients read and the
// publish POST, makes the plugin panic or answer a server error
// (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	body, ct := multipartBody(metaTarball("alpine", "3.20", "x86_64", "20251201"), squashfs("a"))
	plugintest.FuzzHandle(f, incus.Plugin{}, "incus", base, []plugintest.FuzzSeed{
		plugintest.Seed(3, "/images", "", ct, body),
		plugintest.Seed(0, "/streams/v1/index.json", "", "", nil),
		plugintest.Seed(0, "/streams/v1/images.json", "", "", nil),
		plugintest.Seed(0, "/images/alpine/3.20/amd64/default/20251201/rootfs.squashfs", "", "", nil),
	})
}
