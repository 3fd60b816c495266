package scan

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

type entry struct {
	name, body string
	link       bool
}

func zipOf(t *testing.T, es ...entry) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range es {
		h := &zip.FileHeader{Name: e.name}
		if e.link {
			h.SetMode(os.ModeSymlink | 0o777)
		}
		f, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(e.body))
	}
	w.Close()
	return b.Bytes()
}

func tgzOf(t *testing.T, es ...entry) []byte {
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	w := tar.NewWriter(gz)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		if e.link {
			h = &tar.Header{Name: e.name, Linkname: e.body, Typeflag: tar.TypeSymlink}
		}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if !e.link {
			w.Write([]byte(e.body))
		}
	}
	w.Close()
	gz.Close()
	return b.Bytes()
}

// img is an image-layout with blob_base base (JSON).
func img(base string) string {
	return `{"unpack":"image-layout","mode":"image","media_type":"application/x-test+json","blobs":["sha256:` +
		strings.Repeat("a", 64) + `"],"blob_base":` + base + `}`
}

func TestParseLayout(t *testing.T) {
	for in, ok := range map[string]bool{
		`{"unpack":"zip","mode":"rootfs"}`:                         true,
		`{"unpack":"tar.gz","mode":"filesystem"}`:                  true,
		`{"unpack":"none","mode":"image"}`:                         true,
		`{"unpack":"zip","mode":"image"}`:                          false,
		`{"unpack":"rar","mode":"rootfs"}`:                         false,
		`{"unpack":"zip","mode":"vm"}`:                             false,
		`nope`:                                                     false,
		`{"unpack":"zip","mode":"rootfs","blob_base":"../blobs/"}`: false,
		img(`"../blobs/"`):                                         true,
		img(`"blobs/"`):                                            true,
		img(`"../../../blobs/"`):                                   true,
		img(`"../blobs"`):                                          false, // not a directory
		img(`"/blobs/"`):                                           false, // absolute
		img(`"../../../../x/"`):                                    false, // climbs out of the repository
		img(`"http://x/"`):                                         false,
		img(`"..%2fx/"`):                                           false,
		img(`"a\\b/"`):                                             false,
		img(`"a b/"`):                                              false,
		img(`"a?b/"`):                                              false,
	} {
		if _, err := ParseLayout([]byte(in)); (err == nil) != ok {
			t.Errorf("%s: err %v", in, err)
		}
	}
}

func TestUnpackLaysOutFilesAndSkipsLinks(t *testing.T) {
	for _, tc := range []struct {
		unpack string
		data   []byte
	}{
		{UnpackZip, zipOf(t, entry{name: "pkg-1.0.dist-info/METADATA", body: "Name: pkg"}, entry{name: "evil", body: "/etc/passwd", link: true})},
		{UnpackTarGz, tgzOf(t, entry{name: "package/package.json", body: "{}"}, entry{name: "package/evil", body: "/etc/passwd", link: true})},
	} {
		dir := t.TempDir()
		tg, err := Unpack(bytes.NewReader(tc.data), int64(len(tc.data)), "x", dir, Layout{Unpack: tc.unpack, Mode: ports.ScanRootfs}, Limits{MaxBytes: 1 << 20, MaxFiles: 10})
		if err != nil || tg.Path != dir || tg.Mode != ports.ScanRootfs {
			t.Fatalf("%s: %+v %v", tc.unpack, tg, err)
		}
		var files []string
		filepath.Walk(dir, func(p string, fi os.FileInfo, _ error) error {
			if fi.Mode()&os.ModeSymlink != 0 {
				t.Errorf("%s: link %s created", tc.unpack, p)
			}
			if fi.Mode().IsRegular() {
				files = append(files, strings.TrimPrefix(p, dir))
			}
			return nil
		})
		if len(files) != 1 {
			t.Fatalf("%s: files %v", tc.unpack, files)
		}
	}
}

func TestUnpackRefuses(t *testing.T) {
	big := strings.Repeat("a", 2000)
	for name, data := range map[string][]byte{
		"traversal zip":  zipOf(t, entry{name: "../../etc/x", body: "x"}),
		"absolute tar":   tgzOf(t, entry{name: "/etc/x", body: "x"}),
		"traversal tar":  tgzOf(t, entry{name: "a/../../x", body: "x"}),
		"too many files": zipOf(t, entry{name: "1", body: "x"}, entry{name: "2", body: "x"}, entry{name: "3", body: "x"}),
		"too large":      zipOf(t, entry{name: "1", body: big}),
	} {
		unpack := UnpackZip
		if strings.Contains(name, "tar") {
			unpack = UnpackTarGz
		}
		dir := t.TempDir()
		_, err := Unpack(bytes.NewReader(data), int64(len(data)), "x", dir, Layout{Unpack: unpack, Mode: ports.ScanRootfs}, Limits{MaxBytes: 1000, MaxFiles: 2})
		if !errors.Is(err, ErrWorkspace) {
			t.Errorf("%s: err %v, want ErrWorkspace", name, err)
		}
	}
}

func TestUnpackNoneKeepsTheFileByName(t *testing.T) {
	dir := t.TempDir()
	data := []byte("requests==2.30.0\n")
	tg, err := Unpack(bytes.NewReader(data), int64(len(data)), "app/../requirements.txt", dir, Layout{Unpack: UnpackNone, Mode: ports.ScanFilesystem}, Limits{})
	if err != nil || tg.Path != dir {
		t.Fatal(tg, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "requirements.txt")); err != nil || string(b) != string(data) {
		t.Fatal(string(b), err)
	}
}
