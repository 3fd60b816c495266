package cocoapods_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/cocoapods"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with a push and the CDN reads, makes the
// plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	body, ct := pushBody(podspecOf("Alamofire", "5.8.0"), podArchive("Alamofire", "x"))
	plugintest.FuzzHandle(f, cocoapods.Plugin{}, "cocoapods", base, []plugintest.FuzzSeed{
		plugintest.Seed(3, "/pods", "", ct, body),
		plugintest.Seed(0, "/CocoaPods-version.yml", "", "", nil),
		plugintest.Seed(0, "/all_pods.txt", "", "", nil),
		plugintest.Seed(0, "/all_pods_versions_a_b_c.txt", "", "", nil),
	})
}
