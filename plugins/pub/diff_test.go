package pub_test

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/plugins/pub"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs the publish and get replay, refusals and the
// version pages through the native plugin and through its .wasm on
// adapters/wasm (whose host reads the archives and the multipart body),
// each against its own in-memory host, and requires identical outcomes and
// staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "pub", pub.Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "dart", Type: "local", Format: "pub", BaseURL: base}
	d.User = "alice"
	accept := []ports.Header{{Name: "Accept", Value: pub.ContentType}}
	get := func(p, q string) ports.FormatRequest {
		return ports.FormatRequest{Method: "GET", Path: p, RawQuery: q, Headers: accept}
	}
	post := func(archive []byte) ports.FormatRequest {
		body, ct := multipartBody(archive)
		return ports.FormatRequest{Method: "POST", Path: "/api/packages/versions/newUpload", Body: d.Body(body),
			Headers: append([]ports.Header{{Name: "Content-Type", Value: ct}}, accept...)}
	}
	good := packageArchive("hello", "1.0.0")
	d.Run([]ports.FormatRequest{
		get("/api/packages/versions/new", ""),
		post(good),
		get("/api/packages/versions/newUploadFinish", "package=hello&version=1.0.0"),
		post(packageArchive("hello", "1.1.0")),
		post(good),
		post(good[:len(good)/2]),
		post(tgz(map[string]string{"lib/a.dart": "x"})),
		post(tgz(map[string]string{"pubspec.yaml": "name: [unclosed"})),
		get("/api/packages/hello", ""),
		get("/api/packages/hello/versions/1.1.0", ""),
		get("/api/packages/hello/versions/3.0.0", ""),
		get("/api/packages/nope", ""),
		{Method: "GET", Path: "/api/packages/hello", Headers: []ports.Header{{Name: "Accept", Value: "application/vnd.pub.v3+json"}}},
	})
}
