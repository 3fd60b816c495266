package conda_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dsnet/compress/bzip2"
	"github.com/klauspost/compress/zstd"
)

// entry is one file of a package built by a test.
type entry struct {
	name string
	data []byte
}

// index is a package's info/index.json.
func index(name, version, build, subdir string) map[string]any {
	return map[string]any{"name": name, "version": version, "build": build, "build_number": 0, "subdir": subdir,
		"depends": []string{"python >=3.8"}, "license": "MIT", "timestamp": 1700000000000}
}

func tarOf(t testing.TB, ents []entry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range ents {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Format: tar.FormatPAX}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write(e.data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func bz2(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := bzip2.NewWriter(&out, &bzip2.WriterConfig{Level: 9})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func zst(t testing.TB, b []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	return enc.EncodeAll(b, nil)
}

func indexEntry(t testing.TB, idx map[string]any) entry {
	t.Helper()
	b, err := json.Marshal(idx)
	if err != nil {
		t.Fatal(err)
	}
	return entry{"info/index.json", b}
}

// tarBz2 builds a v1 package: info/index.json, the extra entries and a payload file.
func tarBz2(t testing.TB, idx map[string]any, extra ...entry) []byte {
	t.Helper()
	ents := append([]entry{indexEntry(t, idx), {"info/paths.json", []byte(`{"paths":[],"paths_version":1}`)}}, extra...)
	ents = append(ents, entry{"lib/" + idx["name"].(string) + ".txt", []byte("payload of " + idx["name"].(string))})
	return bz2(t, tarOf(t, ents))
}

// condaPkg builds a v2 package (CEP 2): a stored zip of metadata.json,
// info-<stem>.tar.zst and pkg-<stem>.tar.zst.
func condaPkg(t testing.TB, idx map[string]any, extra ...entry) []byte {
	t.Helper()
	stem := stemOf(idx)
	info := zst(t, tarOf(t, append([]entry{indexEntry(t, idx)}, extra...)))
	pkg := zst(t, tarOf(t, []entry{{"lib/" + idx["name"].(string) + ".txt", []byte("payload")}}))
	return zipOf(t, []entry{{"metadata.json", []byte(`{"conda_pkg_format_version": 2}`)},
		{"pkg-" + stem + ".tar.zst", pkg}, {"info-" + stem + ".tar.zst", info}})
}

func zipOf(t testing.TB, ents []entry) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range ents {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func stemOf(idx map[string]any) string {
	return strings.Join([]string{idx["name"].(string), idx["version"].(string), idx["build"].(string)}, "-")
}

// deflatedZip is a zip whose entries are deflated (a bomb when one is large and uniform).
func deflatedZip(t testing.TB, ents []entry) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range ents {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
