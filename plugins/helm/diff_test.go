package helm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/ports"
)

func loadWasm(t testing.TB) (*wasm.Runtime, func()) {
	ctx := context.Background()
	rt, err := wasm.New(wasm.Config{CacheDir: filepath.Join(t.TempDir(), "cache")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Load(ctx, "helm", wasmtest.Build(t, ".", "./wasm"), ports.PluginLimits{}); err != nil {
		t.Fatal(err)
	}
	return rt, func() { rt.Close(ctx) }
}

// outcome is a response or a plugin error, comparable across runtimes.
type outcome struct {
	Resp    ports.FormatResponse
	Status  int
	Message string
}

func run(fn func() (ports.FormatResponse, error)) outcome {
	r, err := fn()
	if err == nil {
		return outcome{Resp: r, Status: r.Status}
	}
	var pe *wasm.PluginError
	if errors.As(err, &pe) {
		return outcome{Status: pe.Status, Message: pe.Message}
	}
	e := asSDK(err)
	return outcome{Status: e.Status, Message: e.Message}
}

func norm(r ports.FormatResponse) ports.FormatResponse {
	if len(r.Body) == 0 {
		r.Body = nil
	}
	if len(r.Headers) == 0 {
		r.Headers = nil
	}
	return r
}

// TestNativeMatchesWasm runs the same requests (the helm-packaged fixture
// and built charts uploaded every way, refusals, index, API, deletes)
// through the native plugin and through the .wasm on adapters/wasm (whose
// host does the archive work), each against its own in-memory host, and
// requires identical outcomes and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	ctx := context.Background()
	rt, done := loadWasm(t)
	defer done()
	native, viaWasm := wasmtest.NewMemHost(), wasmtest.NewMemHost()
	repo := &ports.RepoContext{Key: "charts", Type: "local", Format: "helm", BaseURL: "http://h/helm/charts"}
	body := func(b []byte) *ports.Body {
		d := native.AddBlob(b)
		viaWasm.AddBlob(b)
		return &ports.Body{Digest: d, Size: int64(len(b))}
	}
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
	reqs := []ports.FormatRequest{
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
	}
	for i, req := range reqs {
		req.Repo = repo
		req.User = "u"
		want := run(func() (ports.FormatResponse, error) { return nativeHandle(native, req) })
		got := run(func() (ports.FormatResponse, error) { return rt.Handle(ctx, "helm", req, viaWasm) })
		if got.Status != want.Status || got.Message != want.Message || !reflect.DeepEqual(norm(got.Resp), norm(want.Resp)) {
			t.Fatalf("#%d %s %s: outcomes differ\nnative %d %s %+v\n%s\nwasm   %d %s %+v\n%s", i, req.Method, req.Path,
				want.Status, want.Message, norm(want.Resp), want.Resp.Body, got.Status, got.Message, norm(got.Resp), got.Resp.Body)
		}
		if !reflect.DeepEqual(native.StagedFiles, viaWasm.StagedFiles) || !reflect.DeepEqual(native.StagedDeletes, viaWasm.StagedDeletes) ||
			!reflect.DeepEqual(native.StagedVersions, viaWasm.StagedVersions) {
			t.Fatalf("#%d: staged writes differ\nnative %+v\nwasm   %+v", i, native.StagedFiles, viaWasm.StagedFiles)
		}
		if want.Status < 400 {
			native.Commit()
			viaWasm.Commit()
		} else {
			native.Discard()
			viaWasm.Discard()
		}
	}
	if !reflect.DeepEqual(native.Files, viaWasm.Files) || len(native.Files) != 2 {
		t.Fatalf("final files differ or unexpected: %d vs %d", len(native.Files), len(viaWasm.Files))
	}
}
