package npm_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/npm"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with what real clients sent (testdata),
// makes the plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, npm.Plugin{}, "npm", "http://k/npm/r", npmSeeds(f))
}

func npmSeeds(f *testing.F) []plugintest.FuzzSeed {
	return []plugintest.FuzzSeed{
		plugintest.Seed(2, "/hello-keeper", "", "application/json", plugintest.Testdata(f, "publish-hello.json")),
		plugintest.Seed(2, "/@kp%2futil", "", "application/json", plugintest.Testdata(f, "publish-scoped.json")),
		plugintest.Seed(0, "/hello-keeper", "", "", nil),
		plugintest.Seed(0, "/hello-keeper/-/hello-keeper-1.0.0.tgz", "", "", nil),
		plugintest.Seed(2, "/-/package/hello-keeper/dist-tags/beta", "", "application/json", []byte(`"1.0.0"`)),
		plugintest.Seed(2, "/-/user/org.couchdb.user:bob", "", "application/json", []byte(`{"name":"bob","password":"x"}`)),
		plugintest.Seed(3, "/-/npm/v1/security/advisories/bulk", "", "application/json", []byte(`{"a":["1.0.0"]}`)),
		plugintest.Seed(0, "/-/v1/search", "text=hello&size=5", "", nil),
	}
}
