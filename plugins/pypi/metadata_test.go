package pypi

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func tarGzOf(files map[string][]byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for name, data := range files {
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
		_, _ = tw.Write(data)
	}
	_ = tw.Close()
	_ = zw.Close()
	return b.Bytes()
}

func TestParseMetadata(t *testing.T) {
	long := strings.Repeat("Permission is hereby granted ", 10)
	for _, tc := range []struct {
		name, filename string
		blob           []byte
		want           map[string]any
	}{
		{"wheel with License-Expression", "Demo_Pkg-1.0-py3-none-any.whl",
			zipOf(map[string][]byte{"demo_pkg-1.0.dist-info/METADATA": []byte(
				"Metadata-Version: 2.4\nName: Demo-Pkg\nVersion: 1.0\nLicense-Expression: MIT OR GPL-3.0-only\nLicense: ignored\n" +
					"Classifier: License :: OSI Approved :: Apache Software License\n\nbody\nLicense: not a header\n")}, zip.Deflate),
			map[string]any{"name": "demo-pkg", "version": "1.0", "licenses": []any{"MIT OR GPL-3.0-only", "Apache-2.0"}}},
		{"sdist with License and classifier", "demo-2.0.tar.gz",
			tarGzOf(map[string][]byte{"demo-2.0/PKG-INFO": []byte(
				"Metadata-Version: 2.1\nName: demo\nVersion: 2.0\nLicense: BSD\nClassifier: License :: OSI Approved :: GNU General Public License v3 (GPLv3)\n" +
					"Classifier: Programming Language :: Python\n\n")}),
			map[string]any{"name": "demo", "version": "2.0", "licenses": []any{"BSD", "GPL-3.0-only"}}},
		{"PEP 658 metadata, license text skipped", "demo-3.0-py3-none-any.whl.metadata",
			[]byte("Metadata-Version: 2.1\nName: demo\nVersion: 3.0\nLicense: " + long + "\n\n"),
			map[string]any{"name": "demo", "version": "3.0", "licenses": []any{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHost()
			out, err := Plugin{}.ParseMetadata(h, h.AddBlob(tc.blob), tc.filename)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(out, &got); err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %s (%v), want %v", out, err, tc.want)
			}
		})
	}
	h := newTestHost()
	for _, tc := range []struct {
		filename string
		blob     []byte
	}{
		{"demo-1.0-py3-none-any.whl", []byte("not a zip")},
		{"demo-1.0-py3-none-any.whl", zipOf(map[string][]byte{"demo/__init__.py": nil}, zip.Store)},
		{"demo-1.0.tar.gz", tarGzOf(map[string][]byte{"demo-1.0/setup.py": nil})},
		{"demo.metadata", []byte("Metadata-Version: 2.1\nName: demo\n\n")},
		{"demo-1.0.metadata", bytes.Repeat([]byte("x"), maxMetadataBytes+1)},
		{"demo.exe", []byte("x")},
	} {
		if out, err := (Plugin{}).ParseMetadata(h, h.AddBlob(tc.blob), tc.filename); err == nil {
			t.Errorf("%s described as %s", tc.filename, out)
		}
	}
}
