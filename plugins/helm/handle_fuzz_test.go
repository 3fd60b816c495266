package helm_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/helm"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with what real clients sent (testdata),
// makes the plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, helm.Plugin{}, "helm", "http://k/helm/r", helmSeeds(f))
}

func helmSeeds(f *testing.F) []plugintest.FuzzSeed {
	chart := plugintest.Testdata(f, "keeper-demo-0.1.0.tgz")
	form := "--X\r\nContent-Disposition: form-data; name=\"chart\"; filename=\"keeper-demo-0.1.0.tgz\"\r\n\r\n" +
		string(chart) + "\r\n--X--\r\n"
	return []plugintest.FuzzSeed{
		plugintest.Seed(2, "/charts/keeper-demo-0.1.0.tgz", "", "application/gzip", chart),
		plugintest.Seed(3, "/api/charts", "", "multipart/form-data; boundary=X", []byte(form)),
		plugintest.Seed(0, "/index.yaml", "", "", nil),
		plugintest.Seed(0, "/api/charts/keeper-demo", "", "", nil),
		plugintest.Seed(3, "/api/prov", "", "application/octet-stream", []byte("-----BEGIN PGP SIGNED MESSAGE-----\n")),
	}
}
