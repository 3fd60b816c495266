package buf_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/buf"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with the Connect calls of buf push and
// buf export (binary and JSON), makes the plugin panic or answer a server
// error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, buf.Plugin{}, "buf", base, []plugintest.FuzzSeed{
		plugintest.Seed(3, "/buf.registry.module.v1.ModuleService/GetModules", "", "application/proto", getModulesBin("acme", "petapis")),
		plugintest.Seed(3, "/buf.registry.module.v1.ModuleService/CreateModules", "", "application/json", []byte(`{"values":[{"ownerRef":{"name":"acme"},"name":"petapis"}]}`)),
		plugintest.Seed(3, "/buf.registry.module.v1.UploadService/Upload", "", "application/proto", uploadBin("acme", "petapis", "a.proto", petProto)),
		plugintest.Seed(3, "/buf.registry.module.v1.DownloadService/Download", "", "application/proto", downloadBin("acme", "petapis", "main")),
		plugintest.Seed(3, "/buf.registry.module.v1.CommitService/GetCommits", "", "application/json", []byte(`{"resourceRefs":[{"name":{"owner":"acme","module":"petapis"}}]}`)),
	})
}
