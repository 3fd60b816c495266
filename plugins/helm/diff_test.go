package helm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

func loadWasm(t testing.TB) (*wasm.Runtime, func()) {
	return plugintest.LoadWasm(t, "helm", ".", ports.PluginLimits{}), func() {}
}

// nativeHandle runs the plugin natively against a ports.HostCall.
func nativeHandle(h ports.HostCall, req ports.FormatRequest) (ports.FormatResponse, error) {
	return plugintest.NativeHandle(Plugin{}, h, req)
}

// TestNativeMatchesWasm runs the same requests (the helm-packaged fixture
// and built charts uploaded every way, refusals, index, API, deletes)
// through the native plugin and through the .wasm on adapters/wasm (whose
// host does the archive work), each against its own in-memory host, and
// requires identical outcomes and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "helm", Plugin{}, ".", ports.PluginLimits{})
	d.Repo = &ports.RepoContext{Key: "charts", Type: "local", Format: "helm", BaseURL: "http://h/helm/charts"}
	d.User = "u"
	body := d.Body
	ctHdr := func(ct string) []ports.Header { return []ports.Header{{Name: "Content-Type", Value: ct}} }
	fixture, err := os.ReadFile(filepath.Join("testdata", fixtureName))
	if err != nil {
		t.Fatal(err)
	}
	v2 := chartTgz(t, "demo", "0.2.0", "appVersion: 1.10\nmaintainers:\n- name: a\n")
	mp, mpCT := form(t, [3]string{"chart", fixtureName, string(fixture)})
	pv := prov("demo-0.2.0.tgz", sum(v2))
	mpProv, mpProvCT := form(t, [3]string{"chart", "demo-0.2.0.tgz", string(v2)}, [3]string{"prov", "p", pv})
	many := [][2]string{{"x/Chart.yaml", "apiVersion: v2\nname: x\nversion: 1.0.0\n"}}
	for i := 0; i < MaxChartEntries; i++ {
		many = append(many, [2]string{"x/f" + strings.Repeat("a", i%50) + string(rune('a'+i%26)) + ".txt", ""})
	}
	d.Run([]ports.FormatRequest{
		{Method: "POST", Path: "/api/charts", Body: body(mp), Headers: ctHdr(mpCT)},
		{Method: "POST", Path: "/api/charts", Body: body(mp), Headers: ctHdr(mpCT)},
		{Method: "POST", Path: "/api/charts", Body: body(mpProv), Headers: ctHdr(mpProvCT)},
		{Method: "PUT", Path: "/charts/demo-0.3.0.tgz", Body: body(chartTgz(t, "demo", "0.3.0", "deprecated: true\n"))},
		{Method: "PUT", Path: "/charts/demo-0.4.0.tgz", Body: body(chartTgz(t, "demo", "0.3.0", ""))},
		{Method: "PUT", Path: "/charts/x-1.0.0.tgz", Body: body(tgz(t, many...))},
		{Method: "PUT", Path: "/charts/x-1.0.0.tgz", Body: body([]byte("not a chart"))},
		{Method: "PUT", Path: "/charts/x-1.0.tgz", Body: body(chartTgz(t, "x", "1.0", ""))},
		{Method: "POST", Path: "/api/charts", Body: body(mp[:len(mp)/2]), Headers: ctHdr(mpCT)},
		{Method: "GET", Path: "/index.yaml"},
		{Method: "GET", Path: "/api/charts"},
		{Method: "GET", Path: "/api/charts/demo"},
		{Method: "GET", Path: "/api/charts/demo/0.2.0"},
		{Method: "GET", Path: "/api/charts/demo/9.0.0"},
		{Method: "GET", Path: "/charts/demo-0.2.0.tgz"},
		{Method: "GET", Path: "/charts/nope-0.2.0.tgz"},
		{Method: "DELETE", Path: "/api/charts/demo/0.2.0"},
		{Method: "DELETE", Path: "/api/charts/demo/0.2.0"},
		{Method: "GET", Path: "/index.yaml"},
		{Method: "PATCH", Path: "/index.yaml"},
	})
	if len(d.Native.Files) != 2 {
		t.Fatalf("final files: %d", len(d.Native.Files))
	}
}
