package chef_test

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/chef"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs the share replay, the refusals and every
// document through the native plugin and its .wasm on adapters/wasm (whose
// host reads the multipart body and the tarballs), each against its own
// in-memory host, and requires identical outcomes and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "chef", chef.Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "cookbooks", Type: "local", Format: "chef", BaseURL: base}
	d.User = "alice"
	share := func(category string, tarball []byte) ports.FormatRequest {
		body, ct := multipartBody(category, "x.tgz", tarball)
		return ports.FormatRequest{Method: "POST", Path: "/api/v1/cookbooks", Body: d.Body(body),
			Headers: []ports.Header{{Name: "Content-Type", Value: ct}}}
	}
	get := func(p, q string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: p, RawQuery: q} }
	good := cookbookTarball("apache2", "1.0.0", nil)
	d.Run([]ports.FormatRequest{
		share("Web Servers", good),
		share("Web Servers", cookbookTarball("apache2", "1.10.0", map[string]string{"iptables": ">= 0.0.0"})),
		share("Other", cookbookTarball("iptables", "8.0", nil)),
		share("Other", good),
		share("Other", good[:len(good)/2]),
		share("", good),
		share("Other", tgz(map[string]string{"x/metadata.json": "{"})),
		share("Other", tgz(map[string]string{"y/metadata.json": metadataJSON("x", "1.0.0", nil)})),
		get("/universe", ""),
		get("/api/v1/cookbooks", "start=0&items=10"),
		get("/api/v1/search", "q=apache"),
		get("/api/v1/cookbooks/apache2", ""),
		get("/api/v1/cookbooks/apache2/versions/1_10_0", ""),
		get("/api/v1/cookbooks/apache2/versions/latest/download", ""),
		get("/api/v1/cookbooks/nope", ""),
	})
}
