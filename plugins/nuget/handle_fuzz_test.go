package nuget_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/nuget"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request makes the plugin panic or answer a server error.
func FuzzHandle(f *testing.F) {
	body, ct := multipartBody(nupkg(f, "Keeper.Demo", "1.0.0", depXML))
	plugintest.FuzzHandle(f, nuget.Plugin{}, "nuget", "http://k/nuget/r", []plugintest.FuzzSeed{
		plugintest.Seed(2, "/api/v2/package", "", ct, body),
		plugintest.Seed(2, "/api/v2/package/", "", "multipart/form-data; boundary=---------------------------8df53c0b38c8fb6", plugintest.Testdata(f, "push-nuget-2.8.bin")),
		plugintest.Seed(2, "/api/v2/package", "", "application/octet-stream", nupkg(f, "Keeper.Util", "2.0.1", "")),
		plugintest.Seed(0, "/v3/index.json", "", "", nil),
		plugintest.Seed(0, "/v3/registration/keeper.demo/index.json", "", "", nil),
		plugintest.Seed(0, "/v3/query", "q=demo&skip=0&take=5&prerelease=true", "", nil),
		plugintest.Seed(0, "/api/v2/FindPackagesById()", "id='Keeper.Demo'", "", nil),
		plugintest.Seed(0, "/api/v2/Packages(Id='Keeper.Demo',Version='1.0.0')", "", "", nil),
		plugintest.Seed(4, "/api/v2/package/Keeper.Demo/1.0.0", "", "", nil),
	})
}
