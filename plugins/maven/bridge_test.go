package maven_test

import (
	"archive/zip"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"sort"
	"strings"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// memHost is wasmtest.MemHost plus package versions recorded from stored
// files, as the real metadata store does on commit.
type memHost struct{ *wasmtest.MemHost }

func newMemHost() memHost { return memHost{wasmtest.NewMemHost()} }

func (h memHost) ListVersions(_ context.Context, pkg, after string, limit int) ([]ports.Version, error) {
	fs, _ := h.ListFiles(context.Background(), ports.FileListing{Package: pkg})
	seen := map[string]bool{}
	var out []ports.Version
	for _, f := range fs {
		if f.Version > after && !seen[f.Version] {
			seen[f.Version] = true
			out = append(out, ports.Version{Package: pkg, Version: f.Version, CreatedAt: f.CreatedAt})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (h memHost) ListPackages(_ context.Context, prefix, after string, limit int) ([]ports.Package, error) {
	fs, _ := h.ListFiles(context.Background(), ports.FileListing{})
	seen := map[string]bool{}
	var out []ports.Package
	for _, f := range fs {
		if f.Package != "" && strings.HasPrefix(f.Package, prefix) && f.Package > after && !seen[f.Package] {
			seen[f.Package] = true
			out = append(out, ports.Package{Name: f.Package, CreatedAt: f.CreatedAt, UpdatedAt: f.CreatedAt})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// bridge is an sdk.Host over a ports.HostCall, doing natively what the
// wasm adapter does through the ABI (archives and hashes on the host side).
// The embedded nil sdk.Host absorbs host imports the plugin never calls.
type bridge struct {
	sdk.Host
	h    ports.HostCall
	repo *sdk.RepoContext
}

var ctx = context.Background()

func file(f ports.File) sdk.File {
	return sdk.File{Path: f.Path, BlobDigest: f.BlobDigest, Size: uint64(f.Size), ContentType: f.ContentType, SHA256: f.SHA256,
		SHA1: f.SHA1, MD5: f.MD5, SHA512: f.SHA512, Package: f.Package, Version: f.Version, Metadata: f.Metadata,
		CreatedMs: f.CreatedAt.UnixMilli()}
}

func (b bridge) blob(d string) ([]byte, error) {
	rc, _, err := b.h.OpenBlob(ctx, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func (b bridge) ReadBlob(d string, off uint64, n uint32) ([]byte, error) {
	return b.h.ReadBlob(ctx, d, int64(off), int64(n))
}

func (b bridge) zip(d string) (*zip.Reader, error) {
	data, err := b.blob(d)
	if err != nil {
		return nil, err
	}
	return zip.NewReader(strings.NewReader(string(data)), int64(len(data)))
}

func (b bridge) ArchiveList(d string, _ sdk.ArchiveKind, max uint32) ([]sdk.ArchiveEntry, error) {
	return zipList(b.zip, d, max)
}

func (b bridge) ArchiveRead(d string, _ sdk.ArchiveKind, name string, max uint64) ([]byte, error) {
	return zipRead(b.zip, d, name, max)
}

func (b bridge) Hash(alg sdk.HashAlg, src sdk.Source) (string, error) {
	data := src.Bytes
	if src.Blob != "" {
		var err error
		if data, err = b.blob(src.Blob); err != nil {
			return "", err
		}
	}
	var hh hash.Hash
	switch alg {
	case sdk.SHA1:
		hh = sha1.New()
	case sdk.MD5:
		hh = md5.New()
	case sdk.SHA512:
		hh = sha512.New()
	default:
		hh = sha256.New()
	}
	hh.Write(data)
	return hex.EncodeToString(hh.Sum(nil)), nil
}

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

func (b bridge) ListPackages(prefix, after string, limit uint32) ([]sdk.PackageInfo, error) {
	ps, err := b.h.ListPackages(ctx, prefix, after, int(limit))
	var out []sdk.PackageInfo
	for _, p := range ps {
		out = append(out, sdk.PackageInfo{Name: p.Name, CreatedMs: p.CreatedAt.UnixMilli(), UpdatedMs: p.UpdatedAt.UnixMilli()})
	}
	return out, err
}

func (b bridge) ListVersions(pkg, after string, limit uint32) ([]sdk.VersionInfo, error) {
	vs, err := b.h.ListVersions(ctx, pkg, after, int(limit))
	var out []sdk.VersionInfo
	for _, v := range vs {
		out = append(out, sdk.VersionInfo{Package: v.Package, Version: v.Version, Metadata: v.Metadata, CreatedMs: v.CreatedAt.UnixMilli()})
	}
	return out, err
}

func (b bridge) KVGet(ns, key string) ([]byte, bool, error) {
	v, err := b.h.GetKV(ctx, ns, key)
	if errors.Is(err, ports.ErrNotFound) {
		return nil, false, nil
	}
	return v, err == nil, err
}

func (b bridge) KVPut(ns, key string, v []byte) error {
	return b.h.StageKV(ports.KV{Namespace: ns, Key: key, Value: v}, false)
}

func (b bridge) KVDelete(ns, key string) error {
	return b.h.StageKV(ports.KV{Namespace: ns, Key: key}, true)
}

func (b bridge) KVList(ns, prefix, after string, limit uint32) ([]sdk.KVEntry, error) {
	kvs, err := b.h.ListKV(ctx, ns, prefix, after, int(limit))
	var out []sdk.KVEntry
	for _, kv := range kvs {
		out = append(out, sdk.KVEntry{Key: kv.Key, Value: kv.Value})
	}
	return out, err
}

func (b bridge) PutBlob(data []byte) (string, error) {
	bl, err := b.h.PutBlob(ctx, data)
	return bl.Digest, err
}

func (b bridge) StageFile(f sdk.StagedFile) error {
	return b.h.StageFile(ports.StagedFile{Path: f.Path, BlobDigest: f.BlobDigest, ContentType: f.ContentType,
		Package: f.Package, Version: f.Version, Metadata: f.Metadata, Overwrite: f.Overwrite})
}

func (b bridge) StageDelete(p string) error { return b.h.StageDelete(p) }

func (b bridge) StageVersion(v sdk.VersionPut) error {
	return b.h.StageVersion(ports.VersionPut{Package: v.Package, Version: v.Version, Metadata: v.Metadata, Delete: v.Delete})
}

func (b bridge) Repo() *sdk.RepoContext   { return b.repo }
func (b bridge) Log(sdk.LogLevel, string) {}
