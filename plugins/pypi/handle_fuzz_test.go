package pypi_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/plugins/pypi"
)

// FuzzHandle: no request, seeded with what real clients sent (testdata),
// makes the plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, pypi.Plugin{}, "pypi", "http://k/pypi/r", pypiSeeds(f))
}

func pypiSeeds(f *testing.F) []plugintest.FuzzSeed {
	var out []plugintest.FuzzSeed
	for _, name := range []string{"keeper_demo-1.0.0-py3-none-any.whl", "keeper_demo-1.0.0.tar.gz"} {
		ct := string(plugintest.Testdata(f, "uploads/"+name+".content-type"))
		out = append(out, plugintest.Seed(3, "/", "", ct, plugintest.Testdata(f, "uploads/"+name+".body")))
	}
	return append(out,
		plugintest.Seed(0, "/simple/", "", "", nil),
		plugintest.Seed(0, "/simple/keeper-demo/", "", "application/vnd.pypi.simple.v1+json", nil),
		plugintest.Seed(0, "/pypi/keeper-demo/json", "", "", nil),
		plugintest.Seed(3, "/yank", "", "application/x-www-form-urlencoded", []byte("name=keeper-demo&version=1.0.0")),
	)
}
