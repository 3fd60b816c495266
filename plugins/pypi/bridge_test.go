package pypi

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"time"

	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// bridge is an sdk.Host over a ports.HostCall, as adapters/wasm maps the
// imports, so the native plugin and the .wasm run against the same host.
type bridge struct {
	h    ports.HostCall
	repo *sdk.RepoContext
}

var bctx = context.Background()

func toFile(f ports.File) sdk.File {
	return sdk.File{Path: f.Path, BlobDigest: f.BlobDigest, Size: uint64(f.Size), ContentType: f.ContentType, SHA256: f.SHA256,
		SHA1: f.SHA1, MD5: f.MD5, SHA512: f.SHA512, Package: f.Package, Version: f.Version, Metadata: f.Metadata,
		CreatedMs: f.CreatedAt.UnixMilli()}
}

func (b bridge) all(d string) ([]byte, error) {
	r, _, err := b.h.OpenBlob(bctx, d)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func (b bridge) ReadBlob(d string, off uint64, n uint32) ([]byte, error) {
	return b.h.ReadBlob(bctx, d, int64(off), int64(n))
}
func (b bridge) ArchiveList(d string, kind sdk.ArchiveKind, max uint32) ([]sdk.ArchiveEntry, error) {
	data, err := b.all(d)
	if err != nil {
		return nil, err
	}
	var out []sdk.ArchiveEntry
	err = walk(data, kind, func(name string, size int64, dir bool, _ func() ([]byte, error)) (bool, error) {
		out = append(out, sdk.ArchiveEntry{Name: name, Size: uint64(size), IsDir: dir})
		return false, nil
	})
	return out, err
}
func (b bridge) ArchiveRead(d string, kind sdk.ArchiveKind, name string, max uint64) ([]byte, error) {
	data, err := b.all(d)
	if err != nil {
		return nil, err
	}
	var out []byte
	err = walk(data, kind, func(n string, _ int64, dir bool, read func() ([]byte, error)) (bool, error) {
		if n != name || dir {
			return false, nil
		}
		out, err = read()
		return true, err
	})
	if err == nil && out == nil {
		err = errors.New("not found")
	}
	return out, err
}
func (b bridge) Gunzip(sdk.Source, uint64) ([]byte, error) { return nil, errors.New("unused") }
func (b bridge) Hash(alg sdk.HashAlg, src sdk.Source) (string, error) {
	data := src.Bytes
	if src.Blob != "" {
		var err error
		if data, err = b.all(src.Blob); err != nil {
			return "", err
		}
	}
	var hh hash.Hash
	switch alg {
	case sdk.SHA256:
		hh = sha256.New()
	case sdk.SHA1:
		hh = sha1.New()
	case sdk.MD5:
		hh = md5.New()
	default:
		hh = sha512.New()
	}
	hh.Write(data)
	return hex.EncodeToString(hh.Sum(nil)), nil
}
func (b bridge) GetFile(p string) (*sdk.File, error) {
	f, err := b.h.GetFile(bctx, p)
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
	fs, err := b.h.ListFiles(bctx, ports.FileListing{Prefix: prefix, After: after, Limit: int(limit), Package: pkg})
	var out []sdk.File
	for _, f := range fs {
		out = append(out, toFile(f))
	}
	return out, err
}
func (b bridge) ListPackages(prefix, after string, limit uint32) ([]sdk.PackageInfo, error) {
	ps, err := b.h.ListPackages(bctx, prefix, after, int(limit))
	var out []sdk.PackageInfo
	for _, p := range ps {
		out = append(out, sdk.PackageInfo{Name: p.Name})
	}
	return out, err
}
func (b bridge) ListVersions(string, string, uint32) ([]sdk.VersionInfo, error) {
	return nil, errors.New("unused")
}
func (b bridge) KVGet(ns, key string) ([]byte, bool, error) {
	v, err := b.h.GetKV(bctx, ns, key)
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
	kvs, err := b.h.ListKV(bctx, ns, prefix, after, int(limit))
	var out []sdk.KVEntry
	for _, kv := range kvs {
		out = append(out, sdk.KVEntry{Key: kv.Key, Value: kv.Value})
	}
	return out, err
}
func (b bridge) PutBlob(data []byte) (string, error) {
	bl, err := b.h.PutBlob(bctx, data)
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

// nativeHandle runs the plugin natively against a ports.HostCall, converting
// types the way adapters/wasm does.
func nativeHandle(h ports.HostCall, req ports.FormatRequest) (ports.FormatResponse, error) {
	sreq := &sdk.Request{Method: req.Method, Path: req.Path, RawQuery: req.RawQuery, User: req.User, BaseURL: req.BaseURL}
	for _, hd := range req.Headers {
		sreq.Headers = append(sreq.Headers, sdk.Header{Name: hd.Name, Value: hd.Value})
	}
	if b := req.Body; b != nil {
		sreq.Body = &sdk.Body{Digest: b.Digest, Size: uint64(b.Size), SHA1: b.SHA1, MD5: b.MD5, SHA512: b.SHA512}
	}
	if r := req.Repo; r != nil {
		sreq.Repo = &sdk.RepoContext{Key: r.Key, Kind: r.Type, Format: r.Format, IsPublic: r.IsPublic, BaseURL: r.BaseURL,
			UpstreamURL: r.UpstreamURL, Generation: r.Generation}
		for k, v := range r.Config {
			sreq.Repo.Config = append(sreq.Repo.Config, sdk.KeyValue{Key: k, Value: v})
		}
	}
	resp, err := sdk.CallHandle(Plugin{}, bridge{h, sreq.Repo}, sreq)
	if err != nil {
		return ports.FormatResponse{}, err
	}
	out := ports.FormatResponse{Status: resp.Status, CacheTTL: time.Duration(resp.CacheTTLMs) * time.Millisecond}
	for _, hd := range resp.Headers {
		out.Headers = append(out.Headers, ports.Header{Name: hd.Name, Value: hd.Value})
	}
	switch resp.Kind {
	case sdk.BodyBytes:
		out.Body = resp.Bytes
	case sdk.BodyServePath:
		out.ServePath = resp.Target
	case sdk.BodyServeBlob:
		out.ServeBlob = resp.Target
	}
	return out, nil
}

func asSDK(err error) *sdk.Error { return sdk.AsError(err) }
