package puppet

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with a module publish and the paths
// puppet module install reads, makes the plugin panic or answer a server
// error.
func FuzzHandle(f *testing.F) {
	body, ct := form("keeper-demo-1.0.0.tar.gz", module("keeper-demo", "1.0.0", "keeper-base"))
	plugintest.FuzzHandle(f, Plugin{}, "puppet", "http://k/puppet/r", []plugintest.FuzzSeed{
		plugintest.Seed(3, "/v3/releases", "", ct, body),
		plugintest.Seed(0, "/v3/releases", "module=keeper-demo&sort_by=version&exclude_fields="+excludes, "", nil),
		plugintest.Seed(0, "/v3/releases/keeper-demo-1.0.0", "", "", nil),
		plugintest.Seed(0, "/v3/modules/keeper-demo", "", "", nil),
		plugintest.Seed(0, "/v3/modules/keeper-demo/releases", "", "", nil),
		plugintest.Seed(0, "/v3/modules", "query=demo&limit=5&offset=1", "", nil),
		plugintest.Seed(4, "/v3/releases/keeper-demo-1.0.0", "", "", nil),
	})
}
