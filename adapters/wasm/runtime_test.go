package wasm_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

var (
	buildOnce sync.Map // name -> *builtModule
)

type builtModule struct {
	once sync.Once
	bin  []byte
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// genericWasm builds plugins/generic once per test binary.
func genericWasm(t testing.TB) []byte {
	return cached(t, "generic", filepath.Join(repoRoot(), "plugins", "generic"), "./wasm")
}

// testPlugin builds adapters/wasm/testdata/<name>.
func testPlugin(t testing.TB, name string) []byte {
	return cached(t, name, filepath.Join(repoRoot(), "adapters", "wasm", "testdata"), "./"+name)
}

func cached(t testing.TB, key, dir, pkg string) []byte {
	v, _ := buildOnce.LoadOrStore(key, &builtModule{})
	m := v.(*builtModule)
	m.once.Do(func() { m.bin = wasmtest.Build(t, dir, pkg) })
	if m.bin == nil {
		t.Fatalf("build of %s failed earlier", key)
	}
	return m.bin
}

func newRuntime(t testing.TB) *wasm.Runtime {
	rt, err := wasm.New(wasm.Config{CacheDir: wasmtest.CacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	return rt
}

func repo(config map[string]string) *ports.RepoContext {
	return &ports.RepoContext{Key: "libs", Type: "local", Format: "generic", BaseURL: "http://h/generic/libs", Config: config, Generation: 3}
}

func TestGenericDescribeAndHandle(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t)
	info, err := rt.Load(ctx, "generic", genericWasm(t), ports.PluginLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Key != "generic" || info.ContractVersion != ports.ContractVersion || len(info.Mounts) != 1 || info.Mounts[0].Prefix != "/generic/" {
		t.Fatalf("describe: %+v", info)
	}
	h := porttest.NewMemHost()
	digest := h.AddBlob([]byte("hello"))
	put := ports.FormatRequest{Method: "PUT", Path: "/dir/a.txt", Repo: repo(nil),
		Headers: []ports.Header{{Name: "Content-Type", Value: "text/plain"}},
		Body:    &ports.Body{Digest: digest, Size: 5}}
	resp, err := rt.Handle(ctx, "generic", put, h)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 201 || len(h.StagedFiles) != 1 || h.StagedFiles[0].Path != "dir/a.txt" || h.StagedFiles[0].BlobDigest != digest {
		t.Fatalf("put: %+v staged %+v", resp, h.StagedFiles)
	}
	h.Commit()
	resp, err = rt.Handle(ctx, "generic", put, h)
	if err != nil || resp.Status != 409 {
		t.Fatalf("second put: %v %+v", err, resp)
	}
	resp, err = rt.Handle(ctx, "generic", ports.FormatRequest{Method: "GET", Path: "/dir/a.txt", Repo: repo(nil)}, h)
	if err != nil || resp.Status != 200 || resp.ServePath != "dir/a.txt" {
		t.Fatalf("get: %v %+v", err, resp)
	}
	resp, err = rt.Handle(ctx, "generic", ports.FormatRequest{Method: "GET", Path: "/dir/", RawQuery: "format=json", Repo: repo(nil)}, h)
	if err != nil || resp.Status != 200 {
		t.Fatalf("list: %v %+v", err, resp)
	}
	var listing struct {
		Entries []struct{ Name string } `json:"entries"`
	}
	if err := json.Unmarshal(resp.Body, &listing); err != nil || len(listing.Entries) != 1 || listing.Entries[0].Name != "a.txt" {
		t.Fatalf("listing %s: %v", resp.Body, err)
	}
	resp, err = rt.Handle(ctx, "generic", ports.FormatRequest{Method: "GET", Path: "/", Repo: repo(nil)}, h)
	if err != nil || !strings.Contains(string(resp.Body), `href="http://h/generic/libs/dir/"`) {
		t.Fatalf("html listing: %v %s", err, resp.Body)
	}
	st, ok := rt.Stats("generic")
	if !ok || st.Calls != 5 || st.Errors != 0 {
		t.Fatalf("stats %+v", st)
	}
}
