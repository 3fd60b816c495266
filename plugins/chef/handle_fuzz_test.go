package chef_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/chef"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with what knife and Berkshelf send, makes
// the plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	body, ct := multipartBody("Other", "apache2.tgz", cookbookTarball("apache2", "1.0.0", nil))
	plugintest.FuzzHandle(f, chef.Plugin{}, "chef", base, []plugintest.FuzzSeed{
		plugintest.Seed(3, "/api/v1/cookbooks", "", ct, body),
		plugintest.Seed(0, "/universe", "", "", nil),
		plugintest.Seed(0, "/api/v1/cookbooks", "start=0&items=10", "", nil),
		plugintest.Seed(0, "/api/v1/search", "q=apache", "", nil),
		plugintest.Seed(0, "/api/v1/cookbooks/apache2", "", "", nil),
		plugintest.Seed(0, "/api/v1/cookbooks/apache2/versions/1_0_0", "", "", nil),
		plugintest.Seed(0, "/api/v1/cookbooks/apache2/versions/1_0_0/download", "", "", nil),
	})
}
