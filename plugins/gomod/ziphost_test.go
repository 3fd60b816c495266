package gomod_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// zipHost is the fake host with the zip reading the real host does
// (fakehost has no archive support).
type zipHost struct{ *fakehost.Host }

func newHost() zipHost {
	return zipHost{fakehost.New(&sdk.RepoContext{Key: "gomods", Kind: "local", Format: "go", BaseURL: "http://h/go/gomods"})}
}

func (h zipHost) ArchiveList(digest string, kind sdk.ArchiveKind, max uint32) ([]sdk.ArchiveEntry, error) {
	zr, err := h.zip(digest, kind)
	if err != nil {
		return nil, err
	}
	var out []sdk.ArchiveEntry
	for _, f := range zr.File {
		if uint32(len(out)) >= max {
			return nil, fmt.Errorf("more than %d entries", max)
		}
		out = append(out, sdk.ArchiveEntry{Name: f.Name, Size: f.UncompressedSize64, IsDir: f.FileInfo().IsDir()})
	}
	return out, nil
}

func (h zipHost) ArchiveRead(digest string, kind sdk.ArchiveKind, name string, max uint64) ([]byte, error) {
	zr, err := h.zip(digest, kind)
	if err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			b, err := io.ReadAll(io.LimitReader(rc, int64(max)+1))
			if uint64(len(b)) > max {
				return nil, fmt.Errorf("entry %q too large", name)
			}
			return b, err
		}
	}
	return nil, fmt.Errorf("entry %q not found", name)
}

func (h zipHost) zip(digest string, kind sdk.ArchiveKind) (*zip.Reader, error) {
	if kind != sdk.ArchiveZip {
		return nil, fmt.Errorf("ziphost: only zip")
	}
	b, ok := h.Blobs[digest]
	if !ok {
		return nil, fmt.Errorf("blob %s not found", digest)
	}
	return zip.NewReader(bytes.NewReader(b), int64(len(b)))
}

// file is one entry of a hand-written zip; Dir marks a directory entry.
type file struct {
	Name string
	Body string
	Dir  bool
}

// makeZip writes a zip with archive/zip, names taken as given.
func makeZip(files ...file) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		if f.Dir {
			if _, err := zw.Create(f.Name); err != nil {
				panic(err)
			}
			continue
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			panic(err)
		}
		_, _ = io.WriteString(w, f.Body)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
