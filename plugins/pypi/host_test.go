package pypi

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// testHost is fakehost plus what it lacks: archive reading (with the host's
// zip-ratio refusal) and a package listing derived from committed files.
type testHost struct{ *fakehost.Host }

func newTestHost() *testHost {
	return &testHost{fakehost.New(&sdk.RepoContext{Key: "py", Format: "pypi", Kind: "local", BaseURL: "http://k/pypi/py"})}
}

func (h *testHost) ArchiveList(d string, kind sdk.ArchiveKind, max uint32) ([]sdk.ArchiveEntry, error) {
	b, err := h.ReadBlob(d, 0, 1<<30)
	if err != nil {
		return nil, err
	}
	var out []sdk.ArchiveEntry
	err = walk(b, kind, func(name string, size int64, dir bool, _ func() ([]byte, error)) (bool, error) {
		if uint32(len(out)) >= max {
			return true, errors.New("too many entries")
		}
		out = append(out, sdk.ArchiveEntry{Name: name, Size: uint64(size), IsDir: dir})
		return false, nil
	})
	return out, err
}

func (h *testHost) ArchiveRead(d string, kind sdk.ArchiveKind, name string, max uint64) ([]byte, error) {
	b, err := h.ReadBlob(d, 0, 1<<30)
	if err != nil {
		return nil, err
	}
	var out []byte
	found := false
	err = walk(b, kind, func(n string, size int64, dir bool, read func() ([]byte, error)) (bool, error) {
		if n != name || dir {
			return false, nil
		}
		found = true
		if uint64(size) > max {
			return true, fmt.Errorf("entry %q too large", n)
		}
		out, err = read()
		return true, err
	})
	if err == nil && !found {
		err = fmt.Errorf("entry %q: not found", name)
	}
	return out, err
}

// walk visits archive entries like the wasm host does (zip ratio > 200 refused).
func walk(b []byte, kind sdk.ArchiveKind, fn func(string, int64, bool, func() ([]byte, error)) (bool, error)) error {
	switch kind {
	case sdk.ArchiveZip:
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return fmt.Errorf("zip: %w", err)
		}
		for _, f := range zr.File {
			if f.UncompressedSize64 > 1<<20 && f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > 200 {
				return fmt.Errorf("zip: entry %q: compression ratio above 200 refused", f.Name)
			}
			f := f
			stop, err := fn(f.Name, int64(f.UncompressedSize64), f.FileInfo().IsDir(), func() ([]byte, error) {
				rc, err := f.Open()
				if err != nil {
					return nil, err
				}
				defer rc.Close()
				return io.ReadAll(rc)
			})
			if err != nil || stop {
				return err
			}
		}
		return nil
	case sdk.ArchiveTarGz:
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		tr := tar.NewReader(io.LimitReader(zr, 1<<30))
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
			stop, err := fn(hd.Name, hd.Size, hd.Typeflag == tar.TypeDir, func() ([]byte, error) { return io.ReadAll(tr) })
			if err != nil || stop {
				return err
			}
		}
	}
	return errors.New("archive kind not supported by the test host")
}

func (h *testHost) ListPackages(prefix, after string, limit uint32) ([]sdk.PackageInfo, error) {
	seen := map[string]bool{}
	var out []sdk.PackageInfo
	for _, f := range h.Files {
		if f.Package != "" && !seen[f.Package] && strings.HasPrefix(f.Package, prefix) && f.Package > after {
			seen[f.Package] = true
			out = append(out, sdk.PackageInfo{Name: f.Package})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if limit > 0 && len(out) > int(limit) {
		out = out[:limit]
	}
	return out, nil
}
