package jetbrains_test

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/jetbrains"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs the uploads (a .zip whose plugin.xml is in a
// nested jar, a .jar), refusals and documents through the native plugin
// and its .wasm on adapters/wasm, each against its own in-memory host, and
// requires identical outcomes and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "jetbrains", jetbrains.Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "ide", Type: "local", Format: "jetbrains", BaseURL: base}
	d.User = "alice"
	up := func(name string, file []byte) ports.FormatRequest {
		body, ct := multipartBody(name, file)
		return ports.FormatRequest{Method: "POST", Path: "/plugin/uploadPlugin", Body: d.Body(body),
			Headers: []ports.Header{{Name: "Content-Type", Value: ct}}}
	}
	get := func(p, q string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: p, RawQuery: q} }
	good := pluginZip("com.example.demo", "1.0.0", "223", "232.*")
	d.Run([]ports.FormatRequest{
		up("d.zip", good),
		up("d.zip", pluginZip("com.example.demo", "2.0.0", "241", "")),
		up("t.jar", pluginJar("com.example.tool", "0.3", "231", "")),
		up("d.zip", good),
		up("d.jar", pluginJar("../evil", "1.0", "223", "")),
		up("d.jar", zipOf(map[string][]byte{"META-INF/plugin.xml": []byte("<idea-plugin>")})),
		get("/updatePlugins.xml", ""),
		get("/updatePlugins.xml", "build=IC-232.1"),
		get("/plugins/list/", "build=IU-241.2"),
		get("/plugin/download", "pluginId=com.example.demo&version=1.0.0"),
		get("/plugin/download", "pluginId=nope"),
	})
}
