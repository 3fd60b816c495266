package cargo_test

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/plugins/cargo"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// memHost is wasmtest.MemHost with ListVersions over its committed versions
// (MemHost records them but does not list them).
type memHost struct{ *wasmtest.MemHost }

func newMemHost() memHost { return memHost{wasmtest.NewMemHost()} }

func (m memHost) ListVersions(_ context.Context, pkg, after string, limit int) ([]ports.Version, error) {
	state := map[string]ports.Version{}
	for _, v := range m.Versions {
		if v.Package != pkg {
			continue
		}
		if v.Delete {
			delete(state, v.Version)
		} else {
			state[v.Version] = ports.Version{Package: pkg, Version: v.Version, Metadata: v.Metadata}
		}
	}
	var out []ports.Version
	for _, v := range state {
		if v.Version > after {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

var bctx = context.Background()

// bridge is an sdk.Host over a ports.HostCall (what adapters/wasm does
// through the ABI), with archive listing done natively like the host.
type bridge struct {
	h    ports.HostCall
	repo *sdk.RepoContext
}

var errUnused = errors.New("bridge: not used by the cargo plugin")

func sdkFile(f ports.File) sdk.File {
	return sdk.File{Path: f.Path, BlobDigest: f.BlobDigest, Size: uint64(f.Size), ContentType: f.ContentType, SHA256: f.SHA256,
		SHA1: f.SHA1, MD5: f.MD5, SHA512: f.SHA512, Package: f.Package, Version: f.Version, Metadata: f.Metadata}
}

func (b bridge) ReadBlob(d string, off uint64, n uint32) ([]byte, error) {
	return b.h.ReadBlob(bctx, d, int64(off), int64(n))
}

func (b bridge) ArchiveList(d string, kind sdk.ArchiveKind, max uint32) ([]sdk.ArchiveEntry, error) {
	if kind != sdk.ArchiveTarGz {
		return nil, errUnused
	}
	rc, _, err := b.h.OpenBlob(bctx, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	zr, err := gzip.NewReader(bufio.NewReader(rc))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	tr := tar.NewReader(zr)
	var out []sdk.ArchiveEntry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("tar: %w", err)
		}
		dir := h.Typeflag == tar.TypeDir
		if h.Typeflag != tar.TypeReg && !dir {
			continue
		}
		if uint32(len(out)) >= max {
			return nil, fmt.Errorf("more than %d entries", max)
		}
		out = append(out, sdk.ArchiveEntry{Name: h.Name, Size: uint64(h.Size), IsDir: dir})
	}
}

func (b bridge) ArchiveRead(string, sdk.ArchiveKind, string, uint64) ([]byte, error) {
	return nil, errUnused
}
func (b bridge) Gunzip(sdk.Source, uint64) ([]byte, error)    { return nil, errUnused }
func (b bridge) Hash(sdk.HashAlg, sdk.Source) (string, error) { return "", errUnused }
func (b bridge) GetFile(p string) (*sdk.File, error) {
	f, err := b.h.GetFile(bctx, p)
	if errors.Is(err, ports.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sf := sdkFile(f)
	return &sf, nil
}
func (b bridge) ListFiles(prefix, after string, limit uint32, pkg string) ([]sdk.File, error) {
	fs, err := b.h.ListFiles(bctx, ports.FileListing{Prefix: prefix, After: after, Limit: int(limit), Package: pkg})
	var out []sdk.File
	for _, f := range fs {
		out = append(out, sdkFile(f))
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
func (b bridge) ListVersions(pkg, after string, limit uint32) ([]sdk.VersionInfo, error) {
	vs, err := b.h.ListVersions(bctx, pkg, after, int(limit))
	var out []sdk.VersionInfo
	for _, v := range vs {
		out = append(out, sdk.VersionInfo{Package: v.Package, Version: v.Version, Metadata: v.Metadata})
	}
	return out, err
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
func nativeHandle(t testing.TB, h ports.HostCall, req ports.FormatRequest) ports.FormatResponse {
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
	resp, err := sdk.CallHandle(cargo.Plugin{}, bridge{h, sreq.Repo}, sreq)
	if err != nil {
		e := sdk.AsError(err)
		if e.Status >= 500 {
			t.Fatalf("native: %v", err)
		}
		return ports.FormatResponse{Status: e.Status, Body: []byte(e.Message)}
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
	return out
}
