package jetbrains_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/jetbrains"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with what the IDE and an upload send,
// makes the plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	body, ct := multipartBody("d.zip", pluginZip("com.example.demo", "1.0.0", "223", ""))
	plugintest.FuzzHandle(f, jetbrains.Plugin{}, "jetbrains", base, []plugintest.FuzzSeed{
		plugintest.Seed(3, "/plugin/uploadPlugin", "", ct, body),
		plugintest.Seed(0, "/updatePlugins.xml", "build=IC-241.1", "", nil),
		plugintest.Seed(0, "/plugins/list/", "build=IC-241.1", "", nil),
		plugintest.Seed(0, "/plugin/download", "pluginId=com.example.demo", "", nil),
	})
}
