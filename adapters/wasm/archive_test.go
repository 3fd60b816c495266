package wasm

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// Real archives produced by real clients (see each plugin's testdata SOURCE).
var archiveSeeds = []struct {
	file string
	kind uint32
}{
	{"../../plugins/gomod/testdata/hello-v1.0.0.zip", kindZip},
	{"../../plugins/gomod/testdata/hello-v2.0.0.zip", kindZip},
	{"../../plugins/pypi/testdata/dists/keeper_demo-1.0.0-py3-none-any.whl", kindZip},
	{"../../plugins/pypi/testdata/dists/keeper_demo-1.0.0.tar.gz", kindTarGz},
	{"../../plugins/helm/testdata/keeper-demo-0.1.0.tgz", kindTarGz},
	{"../../plugins/npm/testdata/hello-keeper-1.0.0.tgz", kindTarGz},
}

func readSeed(t testing.TB, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// listBytes lists an in-memory archive through the host import's code, as
// native test hosts (plugintest's Bridge) reach it: ListArchive.
func listBytes(data []byte, kind uint32) ([]archiveEntry, error) {
	h := porttest.NewMemHost()
	es, err := ListArchive(context.Background(), h, h.AddBlob(data), kind, maxEntriesLimit)
	out := make([]archiveEntry, len(es))
	for i, e := range es {
		out[i] = archiveEntry{name: e.Name, size: e.Size, dir: e.Dir}
	}
	return out, err
}

// readBytes reads one entry as the archive-read import does (ReadArchive).
func readBytes(data []byte, kind uint32, name string) ([]byte, error) {
	h := porttest.NewMemHost()
	return ReadArchive(context.Background(), h, h.AddBlob(data), kind, name, 1<<20)
}

type zfile struct {
	name string
	body string
	mode fs.FileMode
}

func makeZip(t testing.TB, files ...zfile) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Store}
		if f.mode != 0 {
			h.SetMode(f.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type tfile struct {
	name string
	body string
	typ  byte
}

func makeTar(t testing.TB, gz bool, files ...tfile) []byte {
	t.Helper()
	var buf bytes.Buffer
	var zw *gzip.Writer
	var tw *tar.Writer
	if gz {
		zw = gzip.NewWriter(&buf)
		tw = tar.NewWriter(zw)
	} else {
		tw = tar.NewWriter(&buf)
	}
	for _, f := range files {
		typ := f.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: f.name, Typeflag: typ, Mode: 0o644, Size: int64(len(f.body))}
		if typ != tar.TypeReg {
			h.Size, h.Linkname = 0, "target"
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(f.body))
	}
	tw.Close()
	if zw != nil {
		zw.Close()
	}
	return buf.Bytes()
}

// zipDataOffset is where the first entry's stored bytes start.
func zipDataOffset(t testing.TB, data []byte) int64 {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.CompressedSize64 > 4 {
			off, err := f.DataOffset()
			if err != nil {
				t.Fatal(err)
			}
			return off
		}
	}
	t.Fatal("no entry with data")
	return 0
}

func flip(data []byte, off int64) []byte {
	out := bytes.Clone(data)
	out[off] ^= 0x55
	return out
}

func TestArchiveAcceptsRealArchives(t *testing.T) {
	for _, s := range archiveSeeds {
		t.Run(filepath.Base(s.file), func(t *testing.T) {
			es, err := listBytes(readSeed(t, s.file), s.kind)
			if err != nil || len(es) == 0 {
				t.Fatalf("list: %d entries, %v", len(es), err)
			}
		})
	}
	ok := map[string][]byte{
		"zip":       makeZip(t, zfile{name: "a/b.txt", body: "hello"}, zfile{name: "a/", mode: fs.ModeDir | 0o755}),
		"tar":       makeTar(t, false, tfile{name: "./a.txt", body: "x"}, tfile{name: "d/", typ: tar.TypeDir}),
		"tgz multi": append(makeTar(t, true, tfile{name: "a", body: "1"}), gzipOf(t, nil)...),
	}
	for name, data := range ok {
		kind := uint32(kindZip)
		switch name {
		case "tar":
			kind = kindTar
		case "tgz multi":
			kind = kindTarGz
		}
		if _, err := listBytes(data, kind); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func gzipOf(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// TestArchiveRefusesCorruption mutates real and built archives; each must be
// refused as corrupt (a 4xx for the plugin), never listed.
func TestArchiveRefusesCorruption(t *testing.T) {
	gomod := readSeed(t, "../../plugins/gomod/testdata/hello-v1.0.0.zip")
	chart := readSeed(t, "../../plugins/helm/testdata/keeper-demo-0.1.0.tgz")
	npm := readSeed(t, "../../plugins/npm/testdata/hello-keeper-1.0.0.tgz")
	stored := makeZip(t, zfile{name: "m@v1/go.mod", body: "module m\n"}, zfile{name: "m@v1/a.go", body: "package a\n"})
	cases := []struct {
		name string
		kind uint32
		data []byte
	}{
		{"gomod zip: flipped entry byte", kindZip, flip(gomod, zipDataOffset(t, gomod)+2)},
		{"stored zip: CRC mismatch", kindZip, flip(stored, zipDataOffset(t, stored)+1)},
		{"zip: garbage after the end", kindZip, append(bytes.Clone(gomod), "garbage"...)},
		{"zip: symlink entry", kindZip, makeZip(t, zfile{name: "m@v1/link", body: "/etc/passwd", mode: fs.ModeSymlink | 0o777})},
		{"zip: dot-dot name", kindZip, makeZip(t, zfile{name: "m@v1/../../evil", body: "x"})},
		{"zip: absolute name", kindZip, makeZip(t, zfile{name: "/etc/evil", body: "x"})},
		{"zip: drive letter", kindZip, makeZip(t, zfile{name: `C:\evil`, body: "x"})},
		{"helm tgz: garbage after the gzip stream", kindTarGz, append(bytes.Clone(chart), "garbage"...)},
		{"helm tgz: zeros after the gzip stream", kindTarGz, append(bytes.Clone(chart), make([]byte, 64)...)},
		{"helm tgz: flipped gzip CRC", kindTarGz, flip(chart, int64(len(chart)-6))},
		{"helm tgz: flipped gzip size", kindTarGz, flip(chart, int64(len(chart)-2))},
		{"helm tgz: truncated", kindTarGz, chart[:len(chart)-10]},
		{"npm tgz: flipped deflate byte", kindTarGz, flip(npm, int64(len(npm)/2))},
		{"tgz: symlink", kindTarGz, makeTar(t, true, tfile{name: "package/x", typ: tar.TypeSymlink})},
		{"tgz: hardlink", kindTarGz, makeTar(t, true, tfile{name: "package/x", typ: tar.TypeLink})},
		{"tar: dot-dot", kindTar, makeTar(t, false, tfile{name: "package/../../x", body: "x"})},
		{"tar: absolute", kindTar, makeTar(t, false, tfile{name: "/x", body: "x"})},
		{"tar: garbage after the end", kindTar, append(makeTar(t, false, tfile{name: "a", body: "x"}), "junk"...)},
		{"tar: truncated entry", kindTar, makeTar(t, false, tfile{name: "a", body: string(make([]byte, 2000))})[:1200]},
		{"ar: truncated entry", kindAr, []byte("!<arch>\n" + fmt.Sprintf("%-16s%-12s%-6s%-6s%-8s%-10d`\n", "a", "0", "0", "0", "644", 100) + "short")},
		{"ar: bad header end", kindAr, []byte("!<arch>\n" + fmt.Sprintf("%-16s%-12s%-6s%-6s%-8s%-10d..", "a", "0", "0", "0", "644", 1) + "x\n")},
		{"cpio: symlink", kindCpio, cpioOf(cpioEntry{"link", 0o120777, "target"})},
		{"cpio: dot-dot", kindCpio, cpioOf(cpioEntry{"../x", 0o100644, "x"})},
		{"cpio: garbage after trailer", kindCpio, append(cpioOf(cpioEntry{"a", 0o100644, "x"}), "junk"...)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			es, err := listBytes(c.data, c.kind)
			if err == nil {
				t.Fatalf("accepted: %v", es)
			}
			if !errors.Is(err, ports.ErrInvalid) && !errors.Is(err, ports.ErrTooLarge) {
				t.Fatalf("error %v is not a client error", err)
			}
		})
	}
}

// TestArchiveReadVerifiesTheRest: reading one entry still verifies every
// entry after it.
func TestArchiveReadVerifiesTheRest(t *testing.T) {
	data := makeZip(t, zfile{name: "first", body: "ok"}, zfile{name: "second", body: "0123456789"})
	if b, err := readBytes(data, kindZip, "first"); err != nil || string(b) != "ok" {
		t.Fatalf("intact: %q %v", b, err)
	}
	zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	off, _ := zr.File[1].DataOffset()
	if b, err := readBytes(flip(data, off+3), kindZip, "first"); err == nil {
		t.Fatalf("read %q from a zip whose second entry fails its CRC", b)
	}
}

func TestArchiveCpioAndAr(t *testing.T) {
	es, err := listBytes(cpioOf(cpioEntry{"d", 0o040755, ""}, cpioEntry{"d/a.txt", 0o100644, "hello"}), kindCpio)
	if err != nil || len(es) != 2 || es[1].name != "d/a.txt" || es[1].size != 5 {
		t.Fatalf("cpio: %+v %v", es, err)
	}
	ar := "!<arch>\n" + fmt.Sprintf("%-16s%-12s%-6s%-6s%-8s%-10d`\n", "debian-binary", "0", "0", "0", "644", 4) + "2.0\n"
	if es, err := listBytes([]byte(ar), kindAr); err != nil || len(es) != 1 {
		t.Fatalf("ar: %+v %v", es, err)
	}
}

type cpioEntry struct {
	name string
	mode int64
	body string
}

// cpioOf writes a newc archive with its trailer.
func cpioOf(es ...cpioEntry) []byte {
	var b bytes.Buffer
	pad := func() {
		for b.Len()%4 != 0 {
			b.WriteByte(0)
		}
	}
	for _, e := range append(es, cpioEntry{"TRAILER!!!", 0, ""}) {
		fmt.Fprintf(&b, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
			1, e.mode, 0, 0, 1, 0, len(e.body), 0, 0, 0, 0, len(e.name)+1, 0)
		b.WriteString(e.name + "\x00")
		pad()
		b.WriteString(e.body)
		pad()
	}
	return b.Bytes()
}
