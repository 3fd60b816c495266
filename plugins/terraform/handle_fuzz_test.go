package terraform

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with the uploads and reads terraform and
// the publish commands send, makes the plugin panic or answer a server
// error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, Plugin{}, "terraform", "http://k/terraform/r", []plugintest.FuzzSeed{
		plugintest.Seed(2, "/-/modules/net/aws/1.0.0", "", "application/gzip", moduleArchive(f, "m")),
		plugintest.Seed(2, "/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_linux_amd64.zip", "protocols=5.0", "application/zip", providerZipBytes(f, "demo", "1.0.0")),
		plugintest.Seed(0, "/net/aws/versions", "", "", nil),
		plugintest.Seed(0, "/net/aws/1.0.0/download", "", "", nil),
		plugintest.Seed(0, "/demo/versions", "", "", nil),
		plugintest.Seed(0, "/demo/1.0.0/download/linux/amd64", "", "", nil),
		plugintest.Seed(0, "/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_SHA256SUMS.sig", "", "", nil),
		plugintest.Seed(0, "/-/mirror/h/ns/demo/index.json", "", "", nil),
	})
}
