package buf_test

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/buf"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs the push and export replay (JSON and binary
// Protobuf) and the refusals through the native plugin and its .wasm on
// adapters/wasm, each against its own in-memory host, and requires
// identical outcomes and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "buf", buf.Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "protos", Type: "local", Format: "buf", BaseURL: base}
	d.User = "alice"
	rpc := func(proc, ct string, body []byte) ports.FormatRequest {
		return ports.FormatRequest{Method: "POST", Path: "/buf.registry.module.v1." + proc, Body: d.Body(body),
			Headers: []ports.Header{{Name: "Content-Type", Value: ct}}}
	}
	js := func(proc, body string) ports.FormatRequest { return rpc(proc, "application/json", []byte(body)) }
	d.Run([]ports.FormatRequest{
		rpc("ModuleService/GetModules", "application/proto", getModulesBin("acme", "petapis")),
		js("ModuleService/CreateModules", `{"values":[{"ownerRef":{"name":"acme"},"name":"petapis"}]}`),
		rpc("UploadService/Upload", "application/proto", uploadBin("acme", "petapis", "acme/pet/v1/pet.proto", petProto)),
		js("UploadService/Upload", uploadJSON("petapis", petProto+"// v2\n", "v2")),
		js("ResourceService/GetResources", `{"resourceRefs":[{"name":{"owner":"acme","module":"petapis","ref":"v2"}}]}`),
		js("CommitService/GetCommits", `{"resourceRefs":[{"name":{"owner":"acme","module":"petapis"}}]}`),
		rpc("DownloadService/Download", "application/proto", downloadBin("acme", "petapis", "v2")),
		js("UploadService/Upload", `{"contents":[{"moduleRef":{"name":{"owner":"acme","module":"petapis"}},"files":[{"path":"../x.proto"}]}]}`),
		rpc("UploadService/Upload", "application/proto", []byte{0x0a, 0xff}),
	})
}
