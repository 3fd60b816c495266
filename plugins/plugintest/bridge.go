package plugintest

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

var (
	_ sdk.Host         = Bridge{}
	_ sdk.LoginHost    = Bridge{}
	_ sdk.BlobHost     = Bridge{}
	_ sdk.TokenHost    = Bridge{}
	_ sdk.RepoHost     = Bridge{}
	_ sdk.SignHost     = Bridge{}
	_ sdk.CompressHost = Bridge{}
)

var bctx = context.Background()

// Bridge is an sdk.Host over a ports.HostCall, converting every import the
// way adapters/wasm does through the ABI, so a plugin run natively and its
// .wasm see the same host. Archive, gunzip and hash work, done host-side
// in the wasm runtime, is done here with sdk/go/fakehost's readers, which
// mirror the runtime's (same caps and messages).
type Bridge struct {
	H       ports.HostCall
	RepoCtx *sdk.RepoContext
}

// NewBridge returns a Bridge over h for calls on repo.
func NewBridge(h ports.HostCall, repo *sdk.RepoContext) Bridge { return Bridge{H: h, RepoCtx: repo} }

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// File converts a stored file as the runtime lowers it.
func File(f ports.File) sdk.File {
	return sdk.File{Path: f.Path, BlobDigest: f.BlobDigest, Size: uint64(f.Size), ContentType: f.ContentType, SHA256: f.SHA256,
		SHA1: f.SHA1, MD5: f.MD5, SHA512: f.SHA512, Package: f.Package, Version: f.Version, Metadata: f.Metadata,
		CreatedMs: ms(f.CreatedAt)}
}

func (b Bridge) all(d string) ([]byte, error) {
	r, _, err := b.H.OpenBlob(bctx, d)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func (b Bridge) ReadBlob(d string, off uint64, n uint32) ([]byte, error) {
	return b.H.ReadBlob(bctx, d, int64(off), int64(n))
}

func (b Bridge) ArchiveList(d string, kind sdk.ArchiveKind, max uint32) ([]sdk.ArchiveEntry, error) {
	if hostKinds[kind] {
		es, err := wasm.ListArchive(bctx, b.H, d, uint32(kind), max)
		out := make([]sdk.ArchiveEntry, len(es))
		for i, e := range es {
			out[i] = sdk.ArchiveEntry{Name: e.Name, Size: uint64(e.Size), IsDir: e.Dir}
		}
		return out, err
	}
	data, err := b.all(d)
	if err != nil {
		return nil, err
	}
	return fakehost.ListArchive(data, kind, max, 0)
}

func (b Bridge) ArchiveRead(d string, kind sdk.ArchiveKind, name string, max uint64) ([]byte, error) {
	if hostKinds[kind] {
		return wasm.ReadArchive(bctx, b.H, d, uint32(kind), name, int64(min(max, 1<<40)))
	}
	data, err := b.all(d)
	if err != nil {
		return nil, err
	}
	return fakehost.ReadArchive(data, kind, name, max, 0)
}

func (b Bridge) source(src sdk.Source) ([]byte, error) {
	if src.Blob != "" {
		return b.all(src.Blob)
	}
	return src.Bytes, nil
}

func (b Bridge) Gunzip(src sdk.Source, max uint64) ([]byte, error) {
	data, err := b.source(src)
	if err != nil {
		return nil, err
	}
	return fakehost.New(nil).Gunzip(sdk.Source{Bytes: data}, max)
}

func (b Bridge) Hash(alg sdk.HashAlg, src sdk.Source) (string, error) {
	data, err := b.source(src)
	if err != nil {
		return "", err
	}
	return fakehost.New(nil).Hash(alg, sdk.Source{Bytes: data})
}

func (b Bridge) GetFile(p string) (*sdk.File, error) {
	f, err := b.H.GetFile(bctx, p)
	if errors.Is(err, ports.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sf := File(f)
	return &sf, nil
}

func (b Bridge) ListFiles(prefix, after string, limit uint32, pkg string) ([]sdk.File, error) {
	fs, err := b.H.ListFiles(bctx, ports.FileListing{Prefix: prefix, After: after, Limit: int(limit), Package: pkg})
	var out []sdk.File
	for _, f := range fs {
		out = append(out, File(f))
	}
	return out, err
}

func (b Bridge) ListPackages(prefix, after string, limit uint32) ([]sdk.PackageInfo, error) {
	ps, err := b.H.ListPackages(bctx, prefix, after, int(limit))
	return packageInfos(ps), err
}

// ListRepos passes the list-repos import through.
func (b Bridge) ListRepos(after string, limit uint32) ([]string, error) {
	return b.H.ListRepos(bctx, after, int(limit))
}

// ListRepoPackages passes the list-repo-packages import through.
func (b Bridge) ListRepoPackages(repo, prefix, after string, limit uint32) ([]sdk.PackageInfo, error) {
	ps, err := b.H.ListRepoPackages(bctx, repo, prefix, after, int(limit))
	return packageInfos(ps), err
}

func packageInfos(ps []ports.Package) []sdk.PackageInfo {
	var out []sdk.PackageInfo
	for _, p := range ps {
		out = append(out, sdk.PackageInfo{Name: p.Name, CreatedMs: ms(p.CreatedAt), UpdatedMs: ms(p.UpdatedAt)})
	}
	return out
}

func (b Bridge) ListVersions(pkg, after string, limit uint32) ([]sdk.VersionInfo, error) {
	vs, err := b.H.ListVersions(bctx, pkg, after, int(limit))
	var out []sdk.VersionInfo
	for _, v := range vs {
		out = append(out, sdk.VersionInfo{Package: v.Package, Version: v.Version, Metadata: v.Metadata, CreatedMs: ms(v.CreatedAt)})
	}
	return out, err
}

func (b Bridge) KVGet(ns, key string) ([]byte, bool, error) {
	v, err := b.H.GetKV(bctx, ns, key)
	if errors.Is(err, ports.ErrNotFound) {
		return nil, false, nil
	}
	return v, err == nil, err
}

func (b Bridge) KVPut(ns, key string, v []byte) error {
	return b.H.StageKV(ports.KV{Namespace: ns, Key: key, Value: v}, false)
}

func (b Bridge) KVDelete(ns, key string) error {
	return b.H.StageKV(ports.KV{Namespace: ns, Key: key}, true)
}

func (b Bridge) KVList(ns, prefix, after string, limit uint32) ([]sdk.KVEntry, error) {
	kvs, err := b.H.ListKV(bctx, ns, prefix, after, int(limit))
	var out []sdk.KVEntry
	for _, kv := range kvs {
		out = append(out, sdk.KVEntry{Key: kv.Key, Value: kv.Value})
	}
	return out, err
}

func (b Bridge) PutBlob(data []byte) (string, error) {
	bl, err := b.H.PutBlob(bctx, data)
	return bl.Digest, err
}

func (b Bridge) StageFile(f sdk.StagedFile) error {
	return b.H.StageFile(ports.StagedFile{Path: f.Path, BlobDigest: f.BlobDigest, ContentType: f.ContentType,
		Package: f.Package, Version: f.Version, Metadata: f.Metadata, Overwrite: f.Overwrite})
}

func (b Bridge) StageDelete(p string) error { return b.H.StageDelete(p) }

func (b Bridge) StageVersion(v sdk.VersionPut) error {
	return b.H.StageVersion(ports.VersionPut{Package: v.Package, Version: v.Version, Metadata: v.Metadata, Delete: v.Delete})
}

func (b Bridge) Repo() *sdk.RepoContext { return b.RepoCtx }

func (b Bridge) Log(sdk.LogLevel, string) {}

func (b Bridge) Login(username, password string) (string, error) {
	return b.H.Login(bctx, username, password)
}

func (b Bridge) ConcatBlobs(digests []string) (sdk.Body, error) {
	body, err := b.H.ConcatBlobs(bctx, digests)
	return sdk.Body{Digest: body.Digest, Size: uint64(body.Size), SHA1: body.SHA1, MD5: body.MD5, SHA512: body.SHA512}, err
}

// ConcatRanges forwards to the host's BlobRanges, when it has them.
func (b Bridge) ConcatRanges(parts []sdk.BlobRange) (sdk.Body, error) {
	br, ok := b.H.(ports.BlobRanges)
	if !ok {
		return sdk.Body{}, sdk.ErrNoImport
	}
	ps := make([]ports.BlobRange, len(parts))
	for i, p := range parts {
		ps[i] = ports.BlobRange{Digest: p.Digest, Offset: int64(p.Offset), Length: int64(p.Length)}
	}
	return bodyOf(br.ConcatRanges(bctx, ps))
}

// DecodeBase64 forwards to the host's BlobRanges, when it has them.
func (b Bridge) DecodeBase64(r sdk.BlobRange) (sdk.Body, error) {
	br, ok := b.H.(ports.BlobRanges)
	if !ok {
		return sdk.Body{}, sdk.ErrNoImport
	}
	return bodyOf(br.DecodeBase64(bctx, ports.BlobRange{Digest: r.Digest, Offset: int64(r.Offset), Length: int64(r.Length)}))
}

// IndexBytes forwards to the host's BlobRanges, when it has them.
func (b Bridge) IndexBytes(digest string, off uint64, pattern []byte) (uint64, bool, error) {
	br, ok := b.H.(ports.BlobRanges)
	if !ok {
		return 0, false, sdk.ErrNoImport
	}
	at, err := br.IndexBytes(bctx, digest, int64(off), pattern)
	if err != nil || at < 0 {
		return 0, false, err
	}
	return uint64(at), true, nil
}

func bodyOf(body ports.Body, err error) (sdk.Body, error) {
	return sdk.Body{Digest: body.Digest, Size: uint64(body.Size), SHA1: body.SHA1, MD5: body.MD5, SHA512: body.SHA512}, err
}

func (b Bridge) MountBlob(fromRepo, fromPath, toPath, contentType string) error {
	return b.H.MountBlob(bctx, fromRepo, fromPath, toPath, contentType)
}

func (b Bridge) SessionToken(ttlSeconds uint32, offline bool) (string, error) {
	return b.H.SessionToken(bctx, time.Duration(ttlSeconds)*time.Second, offline)
}
