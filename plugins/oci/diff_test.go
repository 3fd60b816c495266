package oci_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/plugins/oci"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

var repoCtx = &ports.RepoContext{Key: "docker", Type: "local", Format: "oci", BaseURL: "http://h/v2/docker"}

var ctx = context.Background()

func loadWasm(t testing.TB) *wasm.Runtime {
	bin := wasmtest.Build(t, ".", "./wasm")
	rt, err := wasm.New(wasm.Config{CacheDir: wasmtest.CacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(ctx) })
	if _, err := rt.Load(ctx, "oci", bin, ports.PluginLimits{}); err != nil {
		t.Fatal(err)
	}
	return rt
}

// TestNativeMatchesWasm runs the same request sequence (testdata/requests.json:
// blob pushes, manifests, tags, referrers, deletes, errors) natively and
// through the built .wasm, each against its own in-memory host, and requires
// identical responses and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	rt := loadWasm(t)
	native, viaWasm := porttest.NewMemHost(), porttest.NewMemHost()
	native.Caller, viaWasm.Caller = "alice", "alice"
	body := func(s string) *ports.Body {
		d := native.AddBlob([]byte(s))
		viaWasm.AddBlob([]byte(s))
		sum := sha256.Sum256([]byte(s))
		_ = sum
		return &ports.Body{Digest: d, Size: int64(len(s))}
	}
	dg := func(s string) string { s2 := sha256.Sum256([]byte(s)); return "sha256:" + hex.EncodeToString(s2[:]) }
	cfg, layer := `{"os":"linux"}`, "layer bytes"
	man := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` +
		dg(cfg) + `","size":14},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"` + dg(layer) + `","size":11}]}`
	sig := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/x-sig","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"` +
		dg("{}") + `","size":2},"layers":[],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + dg(man) + `","size":1}}`
	ct := []ports.Header{{Name: "Content-Type", Value: "application/vnd.oci.image.manifest.v1+json"}}
	reqs := []ports.FormatRequest{
		{Method: "GET", Path: "/"},
		{Method: "GET", Path: "/token", User: "alice", RawQuery: "service=keeper&scope=repository:docker/app:pull"},
		{Method: "POST", Path: "/app/blobs/uploads/", RawQuery: "digest=" + dg(cfg), Body: body(cfg)},
		{Method: "POST", Path: "/app/blobs/uploads/", RawQuery: "digest=" + dg(layer), Body: body(layer)},
		{Method: "POST", Path: "/app/blobs/uploads/", RawQuery: "digest=" + dg("{}"), Body: body("{}")},
		{Method: "POST", Path: "/app/blobs/uploads/", RawQuery: "digest=" + dg("nope"), Body: body("other")},
		{Method: "GET", Path: "/app/blobs/" + dg(layer)},
		{Method: "PUT", Path: "/app/manifests/v1", Body: body(man), Headers: ct},
		{Method: "PUT", Path: "/app/manifests/" + dg(sig), Body: body(sig), Headers: ct},
		{Method: "PUT", Path: "/app/manifests/bad", Body: body(`{"schemaVersion":2,"config":{"digest":"` + dg("x") + `"}}`), Headers: ct},
		{Method: "GET", Path: "/app/manifests/v1"},
		{Method: "HEAD", Path: "/app/manifests/v1"},
		{Method: "GET", Path: "/app/manifests/v2"},
		{Method: "GET", Path: "/app/tags/list"},
		{Method: "GET", Path: "/app/tags/list", RawQuery: "n=0"},
		{Method: "GET", Path: "/app/referrers/" + dg(man)},
		{Method: "GET", Path: "/app/referrers/" + dg(man), RawQuery: "artifactType=application/x-sig"},
		{Method: "POST", Path: "/other/blobs/uploads/", RawQuery: "mount=" + dg(layer) + "&from=docker/app"},
		{Method: "DELETE", Path: "/app/manifests/v1"},
		{Method: "DELETE", Path: "/app/manifests/" + dg(sig)},
		{Method: "DELETE", Path: "/app/blobs/" + dg(layer)},
		{Method: "GET", Path: "/Bad/tags/list"},
		{Method: "GET", Path: "/_catalog"},
		{Method: "GET", Path: "/_catalog", RawQuery: "n=2"},
		{Method: "GET", Path: "/_catalog", RawQuery: "n=2&last=alpha%2Fx"},
		{Method: "GET", Path: "/_catalog", RawQuery: "n=3&last=docker"},
		{Method: "GET", Path: "/_catalog", RawQuery: "n=0"},
		{Method: "GET", Path: "/_catalog", RawQuery: "n=x"},
		{Method: "PUT", Path: "/_catalog"},
	}
	// Repositories of format oci the caller may read, for the catalog.
	readable := map[string][]string{"alpha": {"alpha", "alpha/x", "alpha/y/z"}, "docker": {"docker/app"}, "zeta": {"zeta/a"}}
	native.Readable, viaWasm.Readable = readable, readable
	for i, req := range reqs {
		if req.Path != "/" && req.Path != "/token" && req.Path != "/_catalog" {
			req.Repo = repoCtx
			req.User = "alice"
		}
		want := nativeHandle(t, native, req)
		got, err := rt.Handle(ctx, "oci", req, viaWasm)
		if err != nil && got.Status < 400 {
			t.Fatalf("#%d %s %s: wasm: %v", i, req.Method, req.Path, err)
		}
		want, got = norm(want), norm(got)
		if req.Method == "GET" && req.Path == "/_catalog" && req.RawQuery == "" &&
			string(want.Body) != `{"repositories":["alpha","alpha/x","alpha/y/z","docker/app","zeta/a"]}` {
			t.Fatalf("#%d catalog: %s", i, want.Body)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("#%d %s %s: responses differ\nnative %+v\nwasm   %+v", i, req.Method, req.Path, want, got)
		}
		if !reflect.DeepEqual(native.StagedFiles, viaWasm.StagedFiles) || !reflect.DeepEqual(native.StagedDeletes, viaWasm.StagedDeletes) ||
			!reflect.DeepEqual(native.StagedKV, viaWasm.StagedKV) {
			t.Fatalf("#%d: staged writes differ\nnative %+v %v\nwasm   %+v %v", i, native.StagedFiles, native.StagedDeletes, viaWasm.StagedFiles, viaWasm.StagedDeletes)
		}
		if want.Status < 400 {
			native.Commit()
			viaWasm.Commit()
		} else {
			native.Discard()
			viaWasm.Discard()
		}
	}
	if !reflect.DeepEqual(native.Files, viaWasm.Files) || len(native.Files) < 4 {
		t.Fatalf("final files differ: %v vs %v", native.Files, viaWasm.Files)
	}
}

// TestWasmChunkedUpload drives a chunked upload through the wasm build: the
// concat-blobs import joins the chunks into one blob with the right digest.
func TestWasmChunkedUpload(t *testing.T) {
	rt := loadWasm(t)
	h := porttest.NewMemHost()
	call := func(req ports.FormatRequest) ports.FormatResponse {
		t.Helper()
		req.Repo, req.User = repoCtx, "alice"
		r, err := rt.Handle(ctx, "oci", req, h)
		if err != nil && r.Status < 400 {
			t.Fatal(err)
		}
		if r.Status < 400 {
			h.Commit()
		} else {
			h.Discard()
		}
		return r
	}
	loc := func(r ports.FormatResponse) string {
		for _, x := range r.Headers {
			if x.Name == "Location" {
				return strings.TrimPrefix(x.Value, "/v2/docker")
			}
		}
		t.Fatalf("no Location in %+v", r)
		return ""
	}
	chunk := func(s string) *ports.Body { return &ports.Body{Digest: h.AddBlob([]byte(s)), Size: int64(len(s))} }
	r := call(ports.FormatRequest{Method: "POST", Path: "/app/blobs/uploads/"})
	r = call(ports.FormatRequest{Method: "PATCH", Path: loc(r), Body: chunk("hello "), Headers: []ports.Header{{Name: "Content-Range", Value: "0-5"}}})
	up := loc(r)
	r = call(ports.FormatRequest{Method: "PATCH", Path: up, Body: chunk("world"), Headers: []ports.Header{{Name: "Content-Range", Value: "6-10"}}})
	if r.Status != 202 {
		t.Fatalf("patch: %+v", r)
	}
	s := sha256.Sum256([]byte("hello world!"))
	d := "sha256:" + hex.EncodeToString(s[:])
	r = call(ports.FormatRequest{Method: "PUT", Path: up, RawQuery: "digest=" + d, Body: chunk("!")})
	if r.Status != 201 {
		t.Fatalf("put: %d %s", r.Status, r.Body)
	}
	f := h.Files["app/blobs/"+d]
	if string(h.Blobs[f.BlobDigest]) != "hello world!" {
		t.Fatalf("joined blob %q", h.Blobs[f.BlobDigest])
	}
	tok := call(ports.FormatRequest{Method: "GET", Path: "/token"})
	_ = tok
	h.Caller = "alice"
	r, err := rt.Handle(ctx, "oci", ports.FormatRequest{Method: "GET", Path: "/token", User: "alice"}, h)
	var tr struct {
		Token string `json:"token"`
	}
	if err != nil || json.Unmarshal(r.Body, &tr) != nil || !strings.HasPrefix(tr.Token, "mem-session-alice") {
		t.Fatalf("token through wasm: %v %s", err, r.Body)
	}
}

// norm drops what legitimately differs between two runs (issued_at).
func norm(r ports.FormatResponse) ports.FormatResponse {
	if len(r.Body) == 0 {
		r.Body = nil
	}
	if len(r.Headers) == 0 {
		r.Headers = nil
	}
	if i := strings.Index(string(r.Body), `"issued_at":"`); i >= 0 {
		r.Body = append(append([]byte{}, r.Body[:i]...), r.Body[i+len(`"issued_at":"2006-01-02T15:04:05Z"`):]...)
	}
	return r
}

// nativeHandle runs the plugin natively against a ports.HostCall, converting
// types the way adapters/wasm does.
func nativeHandle(t testing.TB, h ports.HostCall, req ports.FormatRequest) ports.FormatResponse {
	out, err := plugintest.NativeHandle(oci.Plugin{}, h, req)
	if err != nil {
		t.Fatalf("native: %v", err)
	}
	return out
}
