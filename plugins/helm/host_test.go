package helm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// testHost is fakehost plus tar.gz reading with the host's caps (entry
// count, decompressed bytes scanned) and creation times on commit.
type testHost struct {
	*fakehost.Host
	clock int64
}

func newTestHost() *testHost {
	return &testHost{Host: fakehost.New(&sdk.RepoContext{Key: "charts", Format: "helm", Kind: "local",
		BaseURL: "http://k/helm/charts"})}
}

// commit applies staged writes, stamping new files with a ticking clock.
func (h *testHost) commit() {
	staged := h.StagedFiles
	h.Commit()
	for _, s := range staged {
		h.clock += 60000
		f := h.Files[s.Path]
		f.CreatedMs = 1700000000000 + h.clock
		h.Files[s.Path] = f
	}
}

func (h *testHost) discard() {
	h.StagedFiles, h.StagedDeletes, h.StagedVersions = nil, nil, nil
	h.StagedKV = map[string][]byte{}
}

// maxScan is the decompressed-bytes cap of the test host's archive walk.
const maxScan = 1 << 30

func (h *testHost) ArchiveList(d string, kind sdk.ArchiveKind, max uint32) ([]sdk.ArchiveEntry, error) {
	b, err := h.ReadBlob(d, 0, 1<<31-1)
	if err != nil {
		return nil, err
	}
	var out []sdk.ArchiveEntry
	err = walk(b, kind, func(name string, size int64, dir bool, _ io.Reader) (bool, error) {
		if uint32(len(out)) >= max {
			return true, fmt.Errorf("too large: more than %d entries", max)
		}
		out = append(out, sdk.ArchiveEntry{Name: name, Size: uint64(size), IsDir: dir})
		return false, nil
	})
	return out, err
}

func (h *testHost) ArchiveRead(d string, kind sdk.ArchiveKind, name string, max uint64) ([]byte, error) {
	b, err := h.ReadBlob(d, 0, 1<<31-1)
	if err != nil {
		return nil, err
	}
	var out []byte
	found := false
	err = walk(b, kind, func(n string, size int64, dir bool, r io.Reader) (bool, error) {
		if n != name || dir {
			return false, nil
		}
		found = true
		if uint64(size) > max {
			return true, fmt.Errorf("too large: entry %q has %d bytes, limit %d", n, size, max)
		}
		out, err = io.ReadAll(r)
		return true, err
	})
	if err == nil && !found {
		err = fmt.Errorf("entry %q: not found", name)
	}
	return out, err
}

// walk visits tar.gz entries like the wasm host (regular files and dirs).
func walk(b []byte, kind sdk.ArchiveKind, fn func(string, int64, bool, io.Reader) (bool, error)) error {
	if kind != sdk.ArchiveTarGz {
		return errors.New("archive kind not supported by the test host")
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("gzip: %w", err)
	}
	tr := tar.NewReader(io.LimitReader(zr, maxScan))
	for {
		hd, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("tar: %w", err)
		}
		if hd.Typeflag != tar.TypeReg && hd.Typeflag != tar.TypeDir {
			continue
		}
		if stop, err := fn(hd.Name, hd.Size, hd.Typeflag == tar.TypeDir, tr); err != nil || stop {
			return err
		}
	}
}

// tgz builds a gzip-compressed tar of the given files (in order).
func tgz(t testing.TB, files ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o644, Size: int64(len(f[1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// chartTgz is a minimal chart <name>-<version> with Chart.yaml extra lines.
func chartTgz(t testing.TB, name, version, extra string) []byte {
	return tgz(t,
		[2]string{name + "/Chart.yaml", "apiVersion: v2\nname: " + name + "\nversion: " + version + "\n" + extra},
		[2]string{name + "/values.yaml", "replicaCount: 1\n"},
		[2]string{name + "/templates/cm.yaml", "kind: ConfigMap\n"})
}

// form builds a multipart/form-data body with file fields (name, filename, data).
func form(t testing.TB, fields ...[3]string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		hdr := textproto.MIMEHeader{}
		if f[1] != "" {
			hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f[0], f[1]))
			hdr.Set("Content-Type", "application/octet-stream")
		} else {
			hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, f[0]))
		}
		w, err := mw.CreatePart(hdr)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f[2]))
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}
