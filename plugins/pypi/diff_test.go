package pypi

import (
	"archive/zip"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

func loadWasm(t testing.TB) (*wasm.Runtime, func()) {
	return plugintest.LoadWasm(t, "pypi", ".", wasmLimits), func() {}
}

// nativeHandle runs the plugin natively against a ports.HostCall.
func nativeHandle(h ports.HostCall, req ports.FormatRequest) (ports.FormatResponse, error) {
	return plugintest.NativeHandle(Plugin{}, h, req)
}

// TestNativeMatchesWasm runs the same requests (the recorded twine uploads,
// refusals, simple pages, JSON API, yank, delete) through the native plugin
// and through the .wasm on adapters/wasm (whose host does the archive work),
// each against its own in-memory host, and requires identical outcomes and
// staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "pypi", Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "py", Type: "local", Format: "pypi", BaseURL: "http://h/pypi/py"}
	// Archive errors come from different host implementations: compare their start only.
	d.SameMessage = func(a, b string) bool {
		return strings.HasPrefix(a, "invalid wheel") && strings.HasPrefix(b, "invalid wheel")
	}
	body := d.Body
	up := func(b []byte, ct string) ports.FormatRequest {
		return ports.FormatRequest{Method: "POST", Path: "/", Body: body(b), User: "u",
			Headers: []ports.Header{{Name: "Content-Type", Value: ct}}}
	}
	hdr := func(k, v string) []ports.Header { return []ports.Header{{Name: k, Value: v}} }
	whl, wct := twineUpload(t, wheelName)
	sd, sct := twineUpload(t, sdistName)
	okFields := map[string]string{":action": "file_upload", "name": "bomb", "version": "1.0"}
	bomb, bct := form(okFields, "bomb-1.0-py3-none-any.whl",
		zipOf(map[string][]byte{"bomb-1.0.dist-info/METADATA": []byte("Metadata-Version: 2.1\nName: bomb\nVersion: 1.0\n"), "x": make([]byte, 8<<20)}, zip.Deflate))
	notZip, nzct := form(okFields, "bomb-1.0-py3-none-any.whl", []byte("not a zip"))
	yank, _ := json.Marshal(map[string]any{"project": "Keeper.Demo", "version": "1.0.0", "reason": "bad <build>"})
	d.Run([]ports.FormatRequest{
		up(whl, wct),
		up(sd, sct),
		up(whl, wct),
		up(replaceField(t, whl, "sha256_digest", strings.Repeat("a", 64)), wct),
		up(whl[:len(whl)-50], wct),
		up(bomb, bct),
		up(notZip, nzct),
		{Method: "GET", Path: "/simple/"},
		{Method: "GET", Path: "/simple/", Headers: hdr("Accept", TypeJSON)},
		{Method: "GET", Path: "/simple/keeper-demo/"},
		{Method: "GET", Path: "/simple/keeper-demo/", Headers: hdr("Accept", TypeJSON)},
		{Method: "GET", Path: "/simple/keeper-demo/", RawQuery: "format=" + TypeHTMLv1},
		{Method: "GET", Path: "/simple/Keeper_Demo/"},
		{Method: "GET", Path: "/simple/nope/"},
		{Method: "GET", Path: "/pypi/keeper-demo/json"},
		{Method: "GET", Path: "/pypi/keeper-demo/1.0.0/json"},
		{Method: "GET", Path: "/packages/keeper-demo/missing.whl"},
		{Method: "POST", Path: "/yank", Body: body(yank)},
		{Method: "GET", Path: "/simple/keeper-demo/"},
		{Method: "GET", Path: "/pypi/keeper-demo/json"},
		{Method: "DELETE", Path: "/packages/keeper-demo/" + sdistName},
		{Method: "GET", Path: "/simple/keeper-demo/", Headers: hdr("Accept", TypeJSON)},
		{Method: "PATCH", Path: "/"},
	})
	if len(d.Native.Files) != 2 {
		t.Fatalf("final files: %d", len(d.Native.Files))
	}
}
