package terraform

import (
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

func loadWasm(t testing.TB) *wasm.Runtime {
	return plugintest.LoadWasm(t, "terraform", ".", wasmLimits)
}

// TestNativeMatchesWasm runs the same requests (module and provider
// uploads, refusals, every registry and mirror document) through the
// native plugin and through the .wasm on adapters/wasm (whose host does the
// archive work), each against its own in-memory host, and requires
// identical outcomes and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "terraform", Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "tf", Type: "local", Format: "terraform", BaseURL: "http://h/terraform/tf"}
	// Archive errors come from different host implementations: compare their start only.
	d.SameMessage = func(a, b string) bool {
		for _, p := range []string{"invalid module archive", "invalid provider package"} {
			if strings.HasPrefix(a, p) && strings.HasPrefix(b, p) {
				return true
			}
		}
		return false
	}
	put := func(path, query string, b []byte) ports.FormatRequest {
		return ports.FormatRequest{Method: "PUT", Path: path, RawQuery: query, Body: d.Body(b), User: "u"}
	}
	get := func(path string, hdr ...ports.Header) ports.FormatRequest {
		return ports.FormatRequest{Method: "GET", Path: path, Headers: hdr}
	}
	mod := moduleArchive(t, "m1")
	zl := providerZipBytes(t, "demo", "1.0.0")
	const zp = "/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_linux_amd64.zip"
	d.Run([]ports.FormatRequest{
		put("/-/modules/net/aws/1.0.0", "", mod),
		put("/-/modules/net/aws/1.1.0", "", moduleArchive(t, "m2")),
		put("/-/modules/net/aws/1.0.0", "", mod),
		put("/-/modules/net/aws/2.0.0", "", mod[:len(mod)/2]),
		put("/-/modules/net/aws/2.0.0", "", tarGz(t, map[string]string{"../x.tf": "x"}, "../x.tf")),
		put(zp, "", zl),
		put(zp, "", zl),
		put("/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_darwin_arm64.zip", "protocols=5.0,6.0", zl),
		put("/-/providers/demo/2.0.0/terraform-provider-demo_2.0.0_linux_amd64.zip", "", []byte("not a zip")),
		get("/net/aws/versions"),
		get("/net/aws/1.0.0/download"),
		get("/net/aws/1.0.0/download", ports.Header{Name: "X-Terraform-Version", Value: "1.11.4"}),
		get("/net/aws/3.0.0/download"),
		get("/demo/versions"),
		get("/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_SHA256SUMS"),
		get("/-/mirror/h/ns/demo/index.json"),
		get("/-/mirror/h/ns/demo/1.0.0.json"),
		get("/nope/versions"),
		{Method: "DELETE", Path: "/net/aws/versions"},
	})
	// Two modules, two provider packages and the checksums of their version.
	if len(d.Native.Files) != 5 {
		t.Fatalf("final files: %d", len(d.Native.Files))
	}
}
