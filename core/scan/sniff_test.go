package scan

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"testing"
)

func TestSniff(t *testing.T) {
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	f, _ := zw.Create("demo-1.0.dist-info/METADATA")
	f.Write([]byte("Name: demo\nVersion: 1.0\n"))
	zw.Close()

	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	tw.WriteHeader(&tar.Header{Name: "package/package.json", Mode: 0o644, Size: 2, Typeflag: tar.TypeReg})
	tw.Write([]byte("{}"))
	tw.Close()

	gz := func(b []byte) []byte {
		var out bytes.Buffer
		w := gzip.NewWriter(&out)
		w.Write(b)
		w.Close()
		return out.Bytes()
	}
	for name, c := range map[string]struct {
		in   []byte
		want string
	}{
		"zip":              {zb.Bytes(), `{"unpack":"zip","mode":"rootfs"}`},
		"tar.gz":           {gz(tb.Bytes()), `{"unpack":"tar.gz","mode":"rootfs"}`},
		"tar":              {tb.Bytes(), `{"unpack":"tar","mode":"rootfs"}`},
		"gzipped document": {gz(bytes.Repeat([]byte("Package: demo\nVersion: 1.0\n\n"), 40)), ""},
		"json":             {[]byte(`{"name":"demo"}`), ""},
		"empty":            {nil, ""},
		"short gzip":       {[]byte{0x1f, 0x8b, 8}, ""},
	} {
		got := string(Sniff(c.in))
		if got != c.want {
			t.Errorf("%s: Sniff = %q, want %q", name, got, c.want)
		}
		if got != "" {
			if _, err := ParseLayout([]byte(got)); err != nil {
				t.Errorf("%s: layout does not parse: %v", name, err)
			}
		}
	}
}
