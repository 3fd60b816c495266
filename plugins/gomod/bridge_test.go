package gomod_test

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// bridge is an sdk.Host over a ports.HostCall (what the wasm adapter does
// through the ABI), covering what the Go modules plugin uses; zips are read
// with archive/zip like the real host does.
type bridge struct {
	h    ports.HostCall
	repo *sdk.RepoContext
}

var ctx = context.Background()

var errUnused = errors.New("bridge: not used by the gomod plugin")

func toFile(f ports.File) sdk.File {
	return sdk.File{Path: f.Path, BlobDigest: f.BlobDigest, Size: uint64(f.Size), ContentType: f.ContentType, SHA256: f.SHA256,
		SHA1: f.SHA1, MD5: f.MD5, SHA512: f.SHA512, Package: f.Package, Version: f.Version, Metadata: f.Metadata}
}

func (b bridge) ReadBlob(d string, off uint64, n uint32) ([]byte, error) {
	return b.h.ReadBlob(ctx, d, int64(off), int64(n))
}

func (b bridge) zip(digest string) (*zip.Reader, error) {
	rc, size, err := b.h.OpenBlob(ctx, digest)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	return zip.NewReader(readerAt(data), size)
}

type readerAt []byte

func (r readerAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(r)) {
		return 0, io.EOF
	}
	n := copy(p, r[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (b bridge) ArchiveList(digest string, kind sdk.ArchiveKind, max uint32) ([]sdk.ArchiveEntry, error) {
	zr, err := b.zip(digest)
	if err != nil {
		return nil, fmt.Errorf("zip: %w", err)
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

func (b bridge) ArchiveRead(digest string, kind sdk.ArchiveKind, name string, max uint64) ([]byte, error) {
	zr, err := b.zip(digest)
	if err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		if f.Name == name && !f.FileInfo().IsDir() {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(io.LimitReader(rc, int64(max)))
		}
	}
	return nil, fmt.Errorf("entry %q: %w", name, ports.ErrNotFound)
}

func (b bridge) Gunzip(sdk.Source, uint64) ([]byte, error)    { return nil, errUnused }
func (b bridge) Hash(sdk.HashAlg, sdk.Source) (string, error) { return "", errUnused }

func (b bridge) GetFile(p string) (*sdk.File, error) {
	f, err := b.h.GetFile(ctx, p)
	if errors.Is(err, ports.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sf := toFile(f)
	return &sf, nil
}

func (b bridge) ListFiles(prefix, after string, limit uint32, pkg string) ([]sdk.File, error) {
	fs, err := b.h.ListFiles(ctx, ports.FileListing{Prefix: prefix, After: after, Limit: int(limit), Package: pkg})
	var out []sdk.File
	for _, f := range fs {
		out = append(out, toFile(f))
	}
	return out, err
}

func (b bridge) ListPackages(string, string, uint32) ([]sdk.PackageInfo, error) {
	return nil, errUnused
}
func (b bridge) ListVersions(string, string, uint32) ([]sdk.VersionInfo, error) {
	return nil, errUnused
}
func (b bridge) KVGet(string, string) ([]byte, bool, error)                   { return nil, false, errUnused }
func (b bridge) KVPut(string, string, []byte) error                           { return errUnused }
func (b bridge) KVDelete(string, string) error                                { return errUnused }
func (b bridge) KVList(string, string, string, uint32) ([]sdk.KVEntry, error) { return nil, errUnused }

func (b bridge) PutBlob(data []byte) (string, error) {
	bl, err := b.h.PutBlob(ctx, data)
	return bl.Digest, err
}

func (b bridge) StageFile(f sdk.StagedFile) error {
	return b.h.StageFile(ports.StagedFile{Path: f.Path, BlobDigest: f.BlobDigest, ContentType: f.ContentType,
		Package: f.Package, Version: f.Version, Metadata: f.Metadata, Overwrite: f.Overwrite})
}
func (b bridge) StageDelete(p string) error          { return b.h.StageDelete(p) }
func (b bridge) StageVersion(v sdk.VersionPut) error { return errUnused }
func (b bridge) Repo() *sdk.RepoContext              { return b.repo }
func (b bridge) Log(sdk.LogLevel, string)            {}
