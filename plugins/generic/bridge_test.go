package generic_test

import (
	"context"
	"errors"

	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// bridge is an sdk.Host over a ports.HostCall (what the wasm adapter does
// through the ABI), covering what the generic plugin uses.
type bridge struct {
	h    ports.HostCall
	repo *sdk.RepoContext
}

var ctx = context.Background()

var errUnused = errors.New("bridge: not used by the generic plugin")

func file(f ports.File) sdk.File {
	return sdk.File{Path: f.Path, BlobDigest: f.BlobDigest, Size: uint64(f.Size), ContentType: f.ContentType, SHA256: f.SHA256,
		SHA1: f.SHA1, MD5: f.MD5, SHA512: f.SHA512, Package: f.Package, Version: f.Version, Metadata: f.Metadata}
}

func (b bridge) ReadBlob(d string, off uint64, n uint32) ([]byte, error) {
	return b.h.ReadBlob(ctx, d, int64(off), int64(n))
}
func (b bridge) ArchiveList(string, sdk.ArchiveKind, uint32) ([]sdk.ArchiveEntry, error) {
	return nil, errUnused
}
func (b bridge) ArchiveRead(string, sdk.ArchiveKind, string, uint64) ([]byte, error) {
	return nil, errUnused
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
	sf := file(f)
	return &sf, nil
}
func (b bridge) ListFiles(prefix, after string, limit uint32, pkg string) ([]sdk.File, error) {
	fs, err := b.h.ListFiles(ctx, ports.FileListing{Prefix: prefix, After: after, Limit: int(limit), Package: pkg})
	var out []sdk.File
	for _, f := range fs {
		out = append(out, file(f))
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
