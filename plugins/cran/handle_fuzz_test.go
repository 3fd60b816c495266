package cran_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/cran"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with real R CMD build packages and the
// index paths R reads, makes the plugin panic or answer a server error.
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, cran.Plugin{}, "cran", "http://k/cran/r", []plugintest.FuzzSeed{
		plugintest.Seed(2, "/src/contrib/keeperdemo_1.0.0.tar.gz", "", "", plugintest.Testdata(f, "keeperdemo_1.0.0.tar.gz")),
		plugintest.Seed(2, "/bin/windows/contrib/4.2/keeperdemo_1.0.0.zip", "", "", plugintest.Testdata(f, "keeperdemo_1.1.0.tar.gz")),
		plugintest.Seed(0, "/src/contrib/PACKAGES.rds", "", "", nil),
		plugintest.Seed(0, "/src/contrib/Archive/keeperdemo/keeperdemo_1.0.0.tar.gz", "", "", nil),
		plugintest.Seed(4, "/src/contrib/keeperdemo_1.0.0.tar.gz", "", "", nil),
	})
}
