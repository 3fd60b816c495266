package multipart_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/sdk/go/fakehost"
	"github.com/keeper-registry/keeper/sdk/go/multipart"
)

// FuzzParse parses arbitrary bodies with arbitrary boundaries, seeded with
// the bodies twine sent (plugins/pypi/testdata/uploads), over a small scan
// window so that delimiters straddle windows. Parse must not panic, and a
// parsed form must only name bytes inside the body, with kept fields and
// collected data equal to those bytes.
func FuzzParse(f *testing.F) {
	dir := filepath.Join("..", "..", "..", "plugins", "pypi", "testdata", "uploads")
	for _, name := range []string{"keeper_demo-1.0.0-py3-none-any.whl", "keeper_demo-1.0.0.tar.gz"} {
		body, err1 := os.ReadFile(filepath.Join(dir, name+".body"))
		ct, err2 := os.ReadFile(filepath.Join(dir, name+".content-type"))
		if err1 != nil || err2 != nil {
			f.Fatal(err1, err2)
		}
		b, _, _ := multipart.Boundary(string(ct))
		f.Add(body, b, uint8(64))
	}
	body, ct := build(&testing.T{}, field{"name", "", "keeper-demo"}, field{"content", "a.whl", "PK\x03\x04data"})
	b, _, _ := multipart.Boundary(ct)
	f.Add(body, b, uint8(7))
	f.Add([]byte("--x\r\n\r\n--x--"), "x", uint8(1))
	f.Fuzz(func(t *testing.T, body []byte, boundary string, window uint8) {
		if boundary == "" || len(boundary) > 70 {
			return
		}
		h := fakehost.New(nil)
		d := h.AddBlob(body)
		opt := multipart.Options{Limits: multipart.Limits{Window: 16 + int(window)}, Keep: map[string]bool{"name": true, "version": true},
			Collect: "content", CollectMax: 1 << 16}
		form, err := multipart.Parse(h, d, uint64(len(body)), boundary, opt)
		if err != nil {
			return
		}
		for _, p := range form.Parts {
			if p.Offset > uint64(len(body)) || p.Size > uint64(len(body))-p.Offset {
				t.Fatalf("part %q at %d+%d outside a %d-byte body", p.Name, p.Offset, p.Size, len(body))
			}
			content := body[p.Offset : p.Offset+p.Size]
			if p.Data != nil && !bytes.Equal(p.Data, content) {
				t.Fatalf("collected data of %q differs from its range", p.Name)
			}
		}
		for name, v := range form.Values {
			p, ok := form.Part(name)
			if !ok || v != string(body[p.Offset:p.Offset+p.Size]) {
				t.Fatalf("kept field %q = %q does not match its part", name, v)
			}
		}
	})
}
