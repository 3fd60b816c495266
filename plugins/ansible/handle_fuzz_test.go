package ansible

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with ansible-galaxy's publish form of a
// real collection and the paths it reads, makes the plugin panic or answer
// a server error.
func FuzzHandle(f *testing.F) {
	v1 := plugintest.Testdata(f, "keeper-demo-1.0.0.tar.gz")
	body, ct := form("keeper-demo-1.0.0.tar.gz", v1, sha(v1))
	plugintest.FuzzHandle(f, Plugin{}, "ansible", "http://k/ansible/r", []plugintest.FuzzSeed{
		plugintest.Seed(3, "/api/v3/artifacts/collections/", "", ct, body),
		plugintest.Seed(0, "/api/", "", "", nil),
		plugintest.Seed(0, "/api/v3/collections/keeper/demo/versions/", "limit=100", "", nil),
		plugintest.Seed(0, "/api/v3/collections/keeper/demo/versions/1.0.0/", "", "", nil),
		plugintest.Seed(4, "/api/v3/collections/keeper/demo/versions/1.0.0/", "", "", nil),
	})
}
