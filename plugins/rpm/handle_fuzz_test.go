package rpm_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/plugins/rpm"
)

// FuzzHandle: no request, seeded with the fixture packages, makes the
// plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	hello := plugintest.Testdata(f, "keeper-hello-1.0-1.noarch.rpm")
	plugintest.FuzzHandle(f, rpm.Plugin{}, "rpm", "http://k/rpm/r", []plugintest.FuzzSeed{
		plugintest.Seed(2, "/keeper-hello-1.0-1.noarch.rpm", "", "application/x-rpm", hello),
		plugintest.Seed(2, "/keeper-hello-1.0-1.noarch.rpm", "", "", hello[:1200]),
		plugintest.Seed(0, "/repodata/repomd.xml", "", "", nil),
		plugintest.Seed(0, "/repodata/0-primary.xml.gz", "", "", nil),
	})
}
