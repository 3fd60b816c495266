package npm_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// newMemRepo is the host-side in-memory host with committed versions,
// stamped by the same clock as testHost.
func newMemRepo() *porttest.MemHost {
	m := porttest.NewMemHost()
	m.Accounts = map[string]string{"bob": "bobs-password"}
	clock := int64(0)
	m.Clock = func() time.Time { clock++; return time.UnixMilli(epochMs + clock*1000) }
	return m
}

func loadWasm(t testing.TB) *wasm.Runtime {
	t.Helper()
	rt, err := wasm.New(wasm.Config{CacheDir: wasmtest.CacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	bin := plugintest.BuildWasm(t, ".")
	info, err := rt.Load(context.Background(), "npm", bin, ports.PluginLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Mounts) != 1 || strings.Join(info.Mounts[0].AnonymousPaths, ",") != "/-/user/org.couchdb.user:*,/-/npm/v1/security/advisories/bulk,/-/npm/v1/security/audits/quick" {
		t.Fatalf("describe via wasm: %+v", info)
	}
	return rt
}

var repoCtx = &ports.RepoContext{Key: "js", Type: "local", Format: "npm", BaseURL: "http://keeper.test/npm/js", Generation: 1}

// toPorts converts a native sdk.Response the way adapters/wasm lifts one.
func toPorts(r *sdk.Response) ports.FormatResponse { return plugintest.Norm(plugintest.Response(r)) }

// TestNativeMatchesWasm runs one request sequence natively (fake host) and
// through the built .wasm on adapters/wasm (MemHost), requiring identical
// responses.
func TestNativeMatchesWasm(t *testing.T) {
	ctx := context.Background()
	rt := loadWasm(t)
	defer rt.Close(ctx)
	native, mem := newHost(), newMemRepo()
	deprecate := func() []byte {
		var doc map[string]any
		_ = json.Unmarshal(get(t, native, "bob", "/hello-keeper?write=true").Bytes, &doc)
		doc["versions"].(map[string]any)["1.0.0"].(map[string]any)["deprecated"] = "old"
		b, _ := json.Marshal(doc)
		return b
	}
	abbrev := []string{"Accept", "application/vnd.npm.install-v1+json"}
	steps := []struct {
		method, path, user string
		body               func() []byte
		hdr                []string
	}{
		{"PUT", "/hello-keeper", "bob", func() []byte { return fixture(t, "publish-hello.json") }, nil},
		{"PUT", "/@kp%2futil", "bob", func() []byte { return fixture(t, "publish-scoped.json") }, nil},
		{"PUT", "/hello-keeper", "bob", func() []byte { return fixture(t, "publish-hello.json") }, nil},
		{"PUT", "/pkg", "bob", func() []byte { return publishDoc("pkg", "1.0.0", makeTgz(t, "pkg", "1.0.0", nil), nil, nil) }, nil},
		{"PUT", "/pkg", "bob", func() []byte { return publishDoc("pkg", "1.0.1", makeTgz(t, "evil", "1.0.1", nil), nil, nil) }, nil},
		{"GET", "/hello-keeper", "", nil, nil},
		{"GET", "/hello-keeper", "", nil, abbrev},
		{"GET", "/@kp/util", "", nil, abbrev},
		{"GET", "/@kp%2futil/2.0.0", "", nil, nil},
		{"GET", "/@kp%2futil/-/util-2.0.0.tgz", "", nil, nil},
		{"GET", "/nope", "", nil, nil},
		{"PUT", "/-/package/hello-keeper/dist-tags/beta", "bob", func() []byte { return []byte(`"1.0.0"`) }, nil},
		{"GET", "/-/package/hello-keeper/dist-tags", "", nil, nil},
		{"PUT", "/hello-keeper", "bob", deprecate, nil},
		{"GET", "/hello-keeper", "", nil, abbrev},
		{"GET", "/-/whoami", "bob", nil, nil},
		{"GET", "/-/whoami", "", nil, nil},
		{"GET", "/-/v1/search", "", nil, nil},
		{"POST", "/-/npm/v1/security/advisories/bulk", "", func() []byte { return []byte(`{}`) }, nil},
		{"DELETE", "/pkg/-/pkg-1.0.0.tgz/-rev/1", "admin", nil, nil},
		{"GET", "/pkg", "", nil, nil},
	}
	for i, s := range steps {
		rc := *repoCtx
		rc.Generation = native.RepoCtx.Generation
		req := ports.FormatRequest{Method: s.method, Path: s.path, User: s.user, Repo: &rc, BaseURL: "http://keeper.test"}
		if p, q, ok := strings.Cut(s.path, "?"); ok {
			req.Path, req.RawQuery = p, q
		}
		for j := 0; j+1 < len(s.hdr); j += 2 {
			req.Headers = append(req.Headers, ports.Header{Name: s.hdr[j], Value: s.hdr[j+1]})
		}
		var body []byte
		if s.body != nil {
			body = s.body()
			d := mem.AddBlob(body)
			req.Body = &ports.Body{Digest: d, Size: int64(len(body))}
		}
		want := toPorts(do(t, native, s.user, s.method, s.path, body, s.hdr...))
		got, err := rt.Handle(ctx, "npm", req, mem)
		if err != nil {
			t.Fatalf("#%d %s %s: wasm: %v", i, s.method, s.path, err)
		}
		if got.Status < 400 {
			mem.Commit()
		} else {
			mem.Discard()
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("#%d %s %s: responses differ\nnative %d %s\nwasm   %d %s", i, s.method, s.path, want.Status, want.Body, got.Status, got.Body)
		}
	}
	if len(native.Files) != len(mem.Files) {
		t.Fatalf("files differ: %d vs %d", len(native.Files), len(mem.Files))
	}
}

// TestLoginThroughWasm checks the login import end to end on the wasm side.
func TestLoginThroughWasm(t *testing.T) {
	ctx := context.Background()
	rt := loadWasm(t)
	defer rt.Close(ctx)
	mem := newMemRepo()
	for _, c := range []struct {
		pass   string
		status int
		token  string
	}{{"bobs-password", 201, "mem-token-bob-1"}, {"nope", 401, ""}} {
		b, _ := json.Marshal(map[string]string{"name": "bob", "password": c.pass})
		d := mem.AddBlob(b)
		resp, err := rt.Handle(ctx, "npm", ports.FormatRequest{Method: "PUT", Path: "/-/user/org.couchdb.user:bob", Repo: repoCtx,
			Body: &ports.Body{Digest: d, Size: int64(len(b))}}, mem)
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Token string }
		_ = json.Unmarshal(resp.Body, &out)
		if resp.Status != c.status || out.Token != c.token {
			t.Fatalf("login with %q: %d %s", c.pass, resp.Status, resp.Body)
		}
	}
}
