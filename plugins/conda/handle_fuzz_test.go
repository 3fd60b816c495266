package conda_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/conda"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with packages of both formats, makes the
// plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	v1 := tarBz2(f, index("hello", "1.0", "py_0", "noarch"))
	v2 := condaPkg(f, index("hello", "1.1", "py_0", "noarch"))
	plugintest.FuzzHandle(f, conda.Plugin{}, "conda", "http://k/conda/ch", []plugintest.FuzzSeed{
		plugintest.Seed(2, "/hello-1.0-py_0.tar.bz2", "", "", v1),
		plugintest.Seed(2, "/noarch/hello-1.1-py_0.conda", "", "", v2),
		plugintest.Seed(2, "/hello-1.1-py_0.conda", "", "", v2[:len(v2)/2]),
		plugintest.Seed(0, "/noarch/repodata.json", "", "", nil),
		plugintest.Seed(0, "/noarch/current_repodata.json", "", "", nil),
		plugintest.Seed(0, "/noarch/repodata.json.zst", "", "", nil),
		plugintest.Seed(0, "/channeldata.json", "", "", nil),
	})
}
