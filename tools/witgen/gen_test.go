package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerate generates the glue from the repository's WIT and checks the
// canonical-ABI layouts the hand-written glue had (sizes and offsets the
// guests built so far rely on) and that the committed files are fresh.
func TestGenerate(t *testing.T) {
	root := filepath.Join("..", "..")
	files, err := Generate(filepath.Join(root, witFile))
	if err != nil {
		t.Fatal(err)
	}
	host, sdk := squash(string(files[hostFile])), squash(string(files[sdkFile]))
	for _, want := range []string{
		"o := e.alloc(168, 8)\n\te.lowerRequest(o, req)", // request: 168 bytes, align 8, passed by pointer
		"retSize: 112,", // result<option<file>, string>
		`"describe": {nil, {api.ValueTypeI32}},`,
		`"cabi_post_handle": {{api.ValueTypeI32}, nil},`,
		"ok = r.liftResponse(p + 8)", // result<response, plugin-error>: payload at 8
	} {
		if !strings.Contains(host, squash(want)) {
			t.Errorf("host glue lacks %q", want)
		}
	}
	for _, want := range []string{
		"o := e.alloc(84, 4)\n\te.lowerInfo(o, v)", // info: 84 bytes, align 4
		"o := e.alloc(40, 8)",                      // result<response, plugin-error>
		"//go:wasmimport keeper:format/host@0.9.0 read-blob\nfunc wasmimportReadBlob(p0 unsafe.Pointer, p1 uint32, p2 uint64, p3 uint32, p4 unsafe.Pointer)",
		"func hostGetFile(path string) (v *File, err error)",
	} {
		if !strings.Contains(sdk, squash(want)) {
			t.Errorf("SDK glue lacks %q", want)
		}
	}
	if strings.Contains(sdk, "cabi_post_classify") {
		t.Error("classify returns no pointer, so it has no post-return")
	}
	for name, src := range files {
		have, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(have, src) {
			t.Errorf("%s is stale: run `go tool task gen`", name)
		}
	}
}

// squash collapses white space, so the checks ignore gofmt's alignment.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }
