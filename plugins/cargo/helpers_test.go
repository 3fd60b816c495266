package cargo_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/plugins/cargo"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func repoCtx(public bool, cfg ...sdk.KeyValue) *sdk.RepoContext {
	return &sdk.RepoContext{Key: "crates", Kind: "local", Format: "cargo", IsPublic: public,
		BaseURL: "http://h/cargo/crates", Config: cfg}
}

func call(t testing.TB, h *testHost, req *sdk.Request) *sdk.Response {
	t.Helper()
	return plugintest.Call(t, cargo.Plugin{}, h, req)
}

// callCommit calls and then commits (status < 400) or discards, like the host.
func callCommit(t testing.TB, h *testHost, req *sdk.Request) *sdk.Response {
	t.Helper()
	return plugintest.CallCommit(t, cargo.Plugin{}, h, req)
}

func get(path string) *sdk.Request { return &sdk.Request{Method: "GET", Path: path} }

// publishReq wraps a raw publish body.
func publishReq(h *testHost, body []byte, user string) *sdk.Request {
	d := h.AddBlob(body)
	return &sdk.Request{Method: "PUT", Path: "/api/v1/crates/new", User: user,
		Body: &sdk.Body{Digest: d, Size: uint64(len(body))}}
}

// publishBody builds a publish body: u32-LE JSON length, JSON, u32-LE crate
// length, crate.
func publishBody(meta []byte, crate []byte) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(meta)))
	b.Write(meta)
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(crate)))
	b.Write(crate)
	return b.Bytes()
}

// meta is a minimal publish metadata document.
func meta(name, vers string, extra map[string]any) []byte {
	m := map[string]any{"name": name, "vers": vers, "deps": []any{}, "features": map[string]any{},
		"description": "test crate " + name}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return b
}

type entry struct {
	name string
	data []byte
	size int64 // declared size when data is nil (zeros)
}

// targz builds a gzip-compressed tar.
func targz(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		size := int64(len(e.data))
		if e.data == nil {
			size = e.size
		}
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: size, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if e.data != nil {
			tw.Write(e.data)
		} else {
			zero := make([]byte, 64<<10)
			for left := size; left > 0; left -= int64(len(zero)) {
				tw.Write(zero[:min(left, int64(len(zero)))])
			}
		}
	}
	tw.Close()
	zw.Close()
	return b.Bytes()
}

// crate builds a well-formed .crate for name-vers.
func crate(t testing.TB, name, vers string) []byte {
	p := name + "-" + vers + "/"
	return targz(t, entry{name: p + "Cargo.toml", data: []byte("[package]\nname = \"" + name + "\"\nversion = \"" + vers + "\"\n")},
		entry{name: p + "src/lib.rs", data: []byte("pub fn f() {}\n")})
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "publish", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// golden compares got with testdata/golden/name (rewritten with -update).
