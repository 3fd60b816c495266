package fakehost_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

func makeZip(t *testing.T, files map[string][]byte, method uint16) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	zw.Close()
	return buf.Bytes()
}

func makeTar(t *testing.T, gz bool, files ...[2]string) []byte {
	var buf bytes.Buffer
	var zw *gzip.Writer
	tw := tar.NewWriter(&buf)
	if gz {
		zw = gzip.NewWriter(&buf)
		tw = tar.NewWriter(zw)
	}
	tw.WriteHeader(&tar.Header{Name: "d/", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.WriteHeader(&tar.Header{Name: "d/link", Typeflag: tar.TypeSymlink, Linkname: "x"})
	for _, f := range files {
		tw.WriteHeader(&tar.Header{Name: f[0], Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f[1]))})
		tw.Write([]byte(f[1]))
	}
	tw.Close()
	if gz {
		zw.Close()
	}
	return buf.Bytes()
}

func TestArchives(t *testing.T) {
	h := fakehost.New(nil)
	for _, c := range []struct {
		kind sdk.ArchiveKind
		data []byte
	}{
		{sdk.ArchiveZip, makeZip(t, map[string][]byte{"d/": nil, "d/a.txt": []byte("A"), "d/b.txt": []byte("BB")}, zip.Deflate)},
		{sdk.ArchiveTar, makeTar(t, false, [2]string{"d/a.txt", "A"}, [2]string{"d/b.txt", "BB"})},
		{sdk.ArchiveTarGz, makeTar(t, true, [2]string{"d/a.txt", "A"}, [2]string{"d/b.txt", "BB"})},
	} {
		d := h.AddBlob(c.data)
		es, err := h.ArchiveList(d, c.kind, 10)
		if err != nil || len(es) != 3 {
			t.Fatalf("kind %d: %+v %v", c.kind, es, err)
		}
		files := 0
		for _, e := range es {
			if !e.IsDir {
				files++
			}
		}
		if files != 2 {
			t.Fatalf("kind %d: %+v", c.kind, es)
		}
		if _, err := h.ArchiveList(d, c.kind, 2); err == nil || !strings.Contains(err.Error(), "more than 2 entries") {
			t.Fatalf("kind %d: entry cap: %v", c.kind, err)
		}
		if b, err := h.ArchiveRead(d, c.kind, "d/b.txt", 2); err != nil || string(b) != "BB" {
			t.Fatalf("kind %d: read %q %v", c.kind, b, err)
		}
		if _, err := h.ArchiveRead(d, c.kind, "d/b.txt", 1); err == nil || !strings.Contains(err.Error(), "too large") {
			t.Fatalf("kind %d: size cap: %v", c.kind, err)
		}
		if _, err := h.ArchiveRead(d, c.kind, "d/", 10); err == nil || !strings.Contains(err.Error(), "not found") {
			t.Fatalf("kind %d: a directory read: %v", c.kind, err)
		}
	}
	if _, err := h.ArchiveList(h.AddBlob([]byte("not an archive")), sdk.ArchiveZip, 10); err == nil {
		t.Fatal("garbage listed as zip")
	}
	if _, err := h.ArchiveList(h.AddBlob([]byte("x")), sdk.ArchiveKind(9), 10); err == nil {
		t.Fatal("unknown kind listed")
	}
}

func TestArchiveLimits(t *testing.T) {
	h := fakehost.New(nil)
	bomb := h.AddBlob(makeZip(t, map[string][]byte{"zeros": make([]byte, 4<<20)}, zip.Deflate))
	if _, err := h.ArchiveList(bomb, sdk.ArchiveZip, 10); err == nil || !strings.Contains(err.Error(), "ratio") {
		t.Fatalf("zip bomb: %v", err)
	}
	big := h.AddBlob(makeTar(t, true, [2]string{"zeros", string(make([]byte, 3<<20))}, [2]string{"after", "x"}))
	h.ScanLimit = 1 << 20
	if _, err := h.ArchiveList(big, sdk.ArchiveTarGz, 10); !errors.Is(err, fakehost.ErrScanLimit) {
		t.Fatalf("scan limit: %v", err)
	}
	h.ScanLimit = 0
	if es, err := h.ArchiveList(big, sdk.ArchiveTarGz, 10); err != nil || len(es) != 3 {
		t.Fatalf("default scan limit: %v %v", es, err)
	}
}

// TestVersionsCommitted: staged versions become listable on Commit only,
// deletes remove them, Discard drops them, and the clock stamps new ones.
func TestVersionsCommitted(t *testing.T) {
	h := fakehost.New(nil)
	n := int64(0)
	h.VersionClock = func() int64 { n++; return n * 1000 }
	h.StageVersion(sdk.VersionPut{Package: "b", Version: "1.0.0", Metadata: []byte("1")})
	h.StageVersion(sdk.VersionPut{Package: "b", Version: "2.0.0"})
	h.StageVersion(sdk.VersionPut{Package: "a", Version: "0.1.0"})
	if vs, _ := h.ListVersions("b", "", 0); len(vs) != 0 {
		t.Fatalf("staged versions listed before commit: %v", vs)
	}
	h.Commit()
	vs, _ := h.ListVersions("b", "", 0)
	if len(vs) != 2 || vs[0].Version != "1.0.0" || string(vs[0].Metadata) != "1" || vs[0].CreatedMs != 1000 || vs[1].CreatedMs != 2000 {
		t.Fatalf("%+v", vs)
	}
	if ps, _ := h.ListPackages("", "", 0); len(ps) != 2 || ps[0].Name != "a" || ps[1].Name != "b" {
		t.Fatalf("%+v", ps)
	}
	h.StageVersion(sdk.VersionPut{Package: "b", Version: "1.0.0", Metadata: []byte("new")})
	h.StageVersion(sdk.VersionPut{Package: "a", Version: "0.1.0", Delete: true})
	h.Commit()
	vs, _ = h.ListVersions("b", "1.0.0", 0)
	if len(vs) != 1 || vs[0].Version != "2.0.0" {
		t.Fatalf("after: %+v", vs)
	}
	if vs, _ = h.ListVersions("b", "", 1); string(vs[0].Metadata) != "new" || vs[0].CreatedMs != 1000 {
		t.Fatalf("an update keeps the creation time: %+v", vs)
	}
	if ps, _ := h.ListPackages("", "", 0); len(ps) != 1 {
		t.Fatalf("deleted package listed: %+v", ps)
	}
	h.StageVersion(sdk.VersionPut{Package: "c", Version: "1.0.0"})
	h.Discard()
	h.Commit()
	if ps, _ := h.ListPackages("", "", 0); len(ps) != 1 {
		t.Fatalf("discarded version committed: %+v", ps)
	}
}
