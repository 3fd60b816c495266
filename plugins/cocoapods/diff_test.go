package cocoapods_test

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/cocoapods"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs pushes, refusals and every index document
// through the native plugin and through its .wasm on adapters/wasm, each
// against its own in-memory host, and requires identical outcomes and
// staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "cocoapods", cocoapods.Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "pods", Type: "local", Format: "cocoapods", BaseURL: base}
	d.User = "alice"
	get := func(p string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: p} }
	push := func(spec string, archive []byte) ports.FormatRequest {
		body, ct := pushBody(spec, archive)
		return ports.FormatRequest{Method: "POST", Path: "/pods", Body: d.Body(body), Headers: []ports.Header{{Name: "Content-Type", Value: ct}}}
	}
	good := podArchive("Alamofire", "1")
	d.Run([]ports.FormatRequest{
		push(podspecOf("Alamofire", "5.8.0"), good),
		push(podspecOf("Alamofire", "5.9.0"), tgzOf(map[string]string{"a": "b"})),
		push(podspecOf("Kingfisher", "7.0.0"), podArchive("Kingfisher", "k")),
		push(podspecOf("Alamofire", "5.8.0"), good),
		push(podspecOf("Alamofire", "6.0.0"), good[:len(good)/2]),
		push("not json", good),
		get("/CocoaPods-version.yml"),
		get("/all_pods.txt"),
		get("/all_pods_versions_0_2_e.txt"),
		get("/all_pods_versions_f_f_f.txt"),
		get("/deprecated_podspecs.txt"),
	})
}
