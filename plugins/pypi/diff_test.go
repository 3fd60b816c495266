package pypi

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

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
	if _, err := rt.Load(ctx, "pypi", wasmtest.Build(t, ".", "./wasm"), ports.PluginLimits{CallTimeout: 120 * time.Second}); err != nil {
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

// TestNativeMatchesWasm runs the same requests (the recorded twine uploads,
// refusals, simple pages, JSON API, yank, delete) through the native plugin
// and through the .wasm on adapters/wasm (whose host does the archive work),
// each against its own in-memory host, and requires identical outcomes and
// staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	ctx := context.Background()
	rt, done := loadWasm(t)
	defer done()
	native, viaWasm := wasmtest.NewMemHost(), wasmtest.NewMemHost()
	repo := &ports.RepoContext{Key: "py", Type: "local", Format: "pypi", BaseURL: "http://h/pypi/py"}
	body := func(b []byte) *ports.Body {
		d := native.AddBlob(b)
		viaWasm.AddBlob(b)
		return &ports.Body{Digest: d, Size: int64(len(b))}
	}
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
	reqs := []ports.FormatRequest{
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
	}
	for i, req := range reqs {
		req.Repo = repo
		want := run(func() (ports.FormatResponse, error) { return nativeHandle(native, req) })
		got := run(func() (ports.FormatResponse, error) { return rt.Handle(ctx, "pypi", req, viaWasm) })
		if got.Status != want.Status || !reflect.DeepEqual(norm(got.Resp), norm(want.Resp)) {
			t.Fatalf("#%d %s %s: outcomes differ\nnative %d %s %+v\nwasm   %d %s %+v", i, req.Method, req.Path,
				want.Status, want.Message, norm(want.Resp), got.Status, got.Message, norm(got.Resp))
		}
		// Archive errors come from different host implementations: compare their start only.
		if a, b := want.Message, got.Message; a != b && !(strings.HasPrefix(a, "invalid wheel") && strings.HasPrefix(b, "invalid wheel")) {
			t.Fatalf("#%d: error messages differ\nnative %q\nwasm   %q", i, a, b)
		}
		if !reflect.DeepEqual(native.StagedFiles, viaWasm.StagedFiles) || !reflect.DeepEqual(native.StagedDeletes, viaWasm.StagedDeletes) ||
			!reflect.DeepEqual(native.StagedKV, viaWasm.StagedKV) || !reflect.DeepEqual(native.StagedVersions, viaWasm.StagedVersions) {
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
