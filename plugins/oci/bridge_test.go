package oci_test

import (
	"context"
	"errors"
	"time"

	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// bridge is an sdk.Host over a ports.HostCall (what the wasm adapter does
// through the ABI), covering what the OCI plugin uses.
type bridge struct {
	h    ports.HostCall
	repo *sdk.RepoContext
}

var ctx = context.Background()

var errUnused = errors.New("bridge: not used by the OCI plugin")

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
func (b bridge) KVGet(ns, k string) ([]byte, bool, error) {
	v, err := b.h.GetKV(ctx, ns, k)
	if errors.Is(err, ports.ErrNotFound) {
		return nil, false, nil
	}
	return v, err == nil && v != nil, err
}
func (b bridge) KVPut(ns, k string, v []byte) error {
	return b.h.StageKV(ports.KV{Namespace: ns, Key: k, Value: v}, false)
}
func (b bridge) KVDelete(ns, k string) error {
	return b.h.StageKV(ports.KV{Namespace: ns, Key: k}, true)
}
func (b bridge) KVList(ns, prefix, after string, limit uint32) ([]sdk.KVEntry, error) {
	kvs, err := b.h.ListKV(ctx, ns, prefix, after, int(limit))
	var out []sdk.KVEntry
	for _, kv := range kvs {
		out = append(out, sdk.KVEntry{Key: kv.Key, Value: kv.Value})
	}
	return out, err
}
func (b bridge) ConcatBlobs(ds []string) (sdk.Body, error) {
	x, err := b.h.ConcatBlobs(ctx, ds)
	return sdk.Body{Digest: x.Digest, Size: uint64(x.Size), SHA1: x.SHA1, MD5: x.MD5, SHA512: x.SHA512}, err
}
func (b bridge) MountBlob(fr, fp, tp, ct string) error { return b.h.MountBlob(ctx, fr, fp, tp, ct) }
func (b bridge) SessionToken(ttl uint32, offline bool) (string, error) {
	return b.h.SessionToken(ctx, time.Duration(ttl)*time.Second, offline)
}
func (b bridge) Login(u, p string) (string, error) { return b.h.Login(ctx, u, p) }
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

func (b bridge) ListRepos(after string, limit uint32) ([]string, error) {
	return b.h.ListRepos(ctx, after, int(limit))
}
func (b bridge) ListRepoPackages(repo, prefix, after string, limit uint32) ([]sdk.PackageInfo, error) {
	ps, err := b.h.ListRepoPackages(ctx, repo, prefix, after, int(limit))
	var out []sdk.PackageInfo
	for _, p := range ps {
		out = append(out, sdk.PackageInfo{Name: p.Name})
	}
	return out, err
}
