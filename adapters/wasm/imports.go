package wasm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// The host's implementation of the WIT `host` interface: *callState is the
// hostImports the generated glue (glue_gen.go) calls with lifted parameters.
var _ hostImports = (*callState)(nil)

const (
	maxListLimit = 10000
	maxLogLine   = 4096
	// maxStrList bounds the digests of one concat-blobs call.
	maxStrList = 10000
	// maxRanges bounds the parts of one concat-ranges call.
	maxRanges = 10000
)

// errNoRanges answers the 0.2.0 blob-range imports when the host call
// cannot build blobs from ranges.
var errNoRanges = errors.New("blob ranges are unavailable in this call")

func notFound(err error) bool { return errors.Is(err, ports.ErrNotFound) }

func clampLimit(n uint32) int {
	if n == 0 || n > maxListLimit {
		return maxListLimit
	}
	return int(n)
}

// clampInt converts a u64 offset or length to int64, saturating.
func clampInt(v uint64) int64 { return int64(min(v, 1<<62)) }

func (cs *callState) ReadBlob(ctx context.Context, digest string, offset uint64, n uint32) ([]byte, error) {
	n64 := min(int64(n), cs.lim.maxBody)
	earn(ctx, n64)
	return cs.host.ReadBlob(ctx, digest, int64(offset), n64)
}

func (cs *callState) ArchiveList(ctx context.Context, digest string, kind wArchiveKind, maxEntries uint32) ([]wArchiveEntry, error) {
	es, err := archiveList(ctx, cs.host, digest, uint32(kind), maxEntries)
	if err != nil {
		return nil, err
	}
	out := make([]wArchiveEntry, len(es))
	for i, e := range es {
		out[i] = wArchiveEntry{Name: e.name, Size: uint64(e.size), IsDir: e.dir}
	}
	return out, nil
}

func (cs *callState) ArchiveRead(ctx context.Context, digest string, kind wArchiveKind, name string, maxBytes uint64) ([]byte, error) {
	return archiveRead(ctx, cs.host, digest, uint32(kind), name, min(clampInt(maxBytes), cs.lim.maxBody))
}

// open returns the bytes of a source, or a reader of the blob it names.
func (cs *callState) open(ctx context.Context, src wSource) ([]byte, ports.BlobReader, error) {
	switch src.Tag {
	case wSourceBytes:
		return src.Bytes, nil, nil
	case wSourceAssembled:
		i, err := strconv.Atoi(src.Assembled)
		if err != nil || i < 1 || i > len(cs.assembled) {
			return nil, nil, fmt.Errorf("source names assembled document %q, which this call did not build", src.Assembled)
		}
		return cs.assembled[i-1], nil, nil
	}
	if cs.host == nil {
		return nil, nil, errNoHost
	}
	r, size, err := cs.host.OpenBlob(ctx, src.Blob)
	earn(ctx, size)
	return nil, r, err
}

func (cs *callState) Gunzip(ctx context.Context, src wSource, maxBytes uint64) ([]byte, error) {
	max := min(clampInt(maxBytes), cs.lim.maxBody)
	data, rc, err := cs.open(ctx, src)
	if err != nil {
		return nil, err
	}
	if rc != nil {
		defer rc.Close()
		return gunzipData(ctx, rc, max)
	}
	return gunzipData(ctx, bytes.NewReader(data), max)
}

func (cs *callState) Hash(ctx context.Context, alg wHashAlg, src wSource) (string, error) {
	data, rc, err := cs.open(ctx, src)
	if err != nil {
		return "", err
	}
	if rc != nil {
		defer rc.Close()
		return hashReader(ctx, uint32(alg), rc)
	}
	return hashReader(ctx, uint32(alg), bytes.NewReader(data))
}

func (cs *callState) GetFile(ctx context.Context, path string) (*wFile, error) {
	f, err := cs.host.GetFile(ctx, path)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	w := toFile(&f)
	return &w, nil
}

func (cs *callState) ListFiles(ctx context.Context, prefix, after string, limit uint32, pkg string) ([]wFile, error) {
	fs, err := cs.host.ListFiles(ctx, ports.FileListing{Prefix: prefix, After: after, Limit: clampLimit(limit), Package: pkg})
	if err != nil {
		return nil, err
	}
	out := make([]wFile, len(fs))
	for i := range fs {
		out[i] = toFile(&fs[i])
	}
	return out, nil
}

func (cs *callState) ListPackages(ctx context.Context, prefix, after string, limit uint32) ([]wPackageInfo, error) {
	ps, err := cs.host.ListPackages(ctx, prefix, after, clampLimit(limit))
	return toPackages(ps), err
}

func toPackages(ps []ports.Package) []wPackageInfo {
	out := make([]wPackageInfo, len(ps))
	for i, p := range ps {
		out[i] = toPackage(p)
	}
	return out
}

func (cs *callState) ListVersions(ctx context.Context, pkg, after string, limit uint32) ([]wVersionInfo, error) {
	vs, err := cs.host.ListVersions(ctx, pkg, after, clampLimit(limit))
	out := make([]wVersionInfo, len(vs))
	for i, v := range vs {
		out[i] = wVersionInfo{Package: v.Package, Version: v.Version, Metadata: v.Metadata, CreatedMs: ms(v.CreatedAt)}
	}
	return out, err
}

func (cs *callState) KVGet(ctx context.Context, ns, key string) (*[]byte, error) {
	v, err := cs.host.GetKV(ctx, ns, key)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func (cs *callState) KVPut(_ context.Context, ns, key string, value []byte) error {
	return cs.host.StageKV(ports.KV{Namespace: ns, Key: key, Value: value}, false)
}

func (cs *callState) KVDelete(_ context.Context, ns, key string) error {
	return cs.host.StageKV(ports.KV{Namespace: ns, Key: key}, true)
}

func (cs *callState) KVList(ctx context.Context, ns, prefix, after string, limit uint32) ([]wKVEntry, error) {
	kvs, err := cs.host.ListKV(ctx, ns, prefix, after, clampLimit(limit))
	out := make([]wKVEntry, len(kvs))
	for i, kv := range kvs {
		out[i] = wKVEntry{Key: kv.Key, Value: kv.Value}
	}
	return out, err
}

func (cs *callState) PutBlob(ctx context.Context, data []byte) (string, error) {
	earn(ctx, int64(len(data)))
	b, err := cs.host.PutBlob(ctx, data)
	cs.know(ports.Body{Digest: b.Digest, Size: b.Size})
	return b.Digest, err
}

func (cs *callState) StageFile(_ context.Context, f wStagedFile) error {
	return cs.host.StageFile(ports.StagedFile{Path: f.Path, BlobDigest: f.BlobDigest, ContentType: f.ContentType,
		Package: f.Package, Version: f.Version, Metadata: f.Metadata, Overwrite: f.Overwrite})
}

func (cs *callState) StageDelete(_ context.Context, path string) error {
	return cs.host.StageDelete(path)
}

func (cs *callState) StageVersion(_ context.Context, v wVersionPut) error {
	return cs.host.StageVersion(ports.VersionPut{Package: v.Package, Version: v.Version, Metadata: v.Metadata, Delete: v.Delete})
}

func (cs *callState) Repo(context.Context) *wRepoContext {
	if cs.host == nil {
		return nil
	}
	return toRepo(cs.repo)
}

func (cs *callState) Login(ctx context.Context, username, password string) (string, error) {
	return cs.host.Login(ctx, username, password)
}

func (cs *callState) ConcatBlobs(ctx context.Context, digests []string) (wBody, error) {
	if len(digests) > maxStrList {
		return wBody{}, fmt.Errorf("wasm: list of %d strings exceeds %d: %w", len(digests), maxStrList, ports.ErrTooLarge)
	}
	for _, d := range digests {
		earn(ctx, cs.sizeOf(d))
	}
	b, err := cs.host.ConcatBlobs(ctx, digests)
	cs.know(b)
	return toBody(b), err
}

func (cs *callState) SessionToken(ctx context.Context, ttlSeconds uint32, offline bool) (string, error) {
	return cs.host.SessionToken(ctx, time.Duration(ttlSeconds)*time.Second, offline)
}

func (cs *callState) MountBlob(ctx context.Context, fromRepo, fromPath, toPath, contentType string) error {
	return cs.host.MountBlob(ctx, fromRepo, fromPath, toPath, contentType)
}

func (cs *callState) ListRepos(ctx context.Context, after string, limit uint32) ([]string, error) {
	return cs.host.ListRepos(ctx, after, clampLimit(limit))
}

func (cs *callState) ListRepoPackages(ctx context.Context, repo, prefix, after string, limit uint32) ([]wPackageInfo, error) {
	ps, err := cs.host.ListRepoPackages(ctx, repo, prefix, after, clampLimit(limit))
	return toPackages(ps), err
}

func (cs *callState) ConcatRanges(ctx context.Context, parts []wBlobRange) (wBody, error) {
	br, ok := cs.host.(ports.BlobRanges)
	if !ok {
		return wBody{}, errNoRanges
	}
	if len(parts) > maxRanges {
		return wBody{}, fmt.Errorf("wasm: %d ranges exceed %d: %w", len(parts), maxRanges, ports.ErrTooLarge)
	}
	rs := make([]ports.BlobRange, len(parts))
	var n int64
	for i, p := range parts {
		rs[i] = ports.BlobRange{Digest: p.Digest, Offset: clampInt(p.Offset), Length: clampInt(p.Length)}
		n = min(n+rs[i].Length, 1<<62)
	}
	earn(ctx, n)
	b, err := br.ConcatRanges(ctx, rs)
	cs.know(b)
	return toBody(b), err
}

func (cs *callState) DecodeBase64(ctx context.Context, digest string, offset, length uint64) (wBody, error) {
	br, ok := cs.host.(ports.BlobRanges)
	if !ok {
		return wBody{}, errNoRanges
	}
	earn(ctx, clampInt(length))
	b, err := br.DecodeBase64(ctx, ports.BlobRange{Digest: digest, Offset: clampInt(offset), Length: clampInt(length)})
	cs.know(b)
	return toBody(b), err
}

func (cs *callState) IndexBytes(ctx context.Context, digest string, offset uint64, pattern []byte) (*uint64, error) {
	br, ok := cs.host.(ports.BlobRanges)
	if !ok {
		return nil, errNoRanges
	}
	if len(pattern) > ports.MaxIndexPattern {
		return nil, fmt.Errorf("wasm: pattern of %d bytes exceeds %d: %w", len(pattern), ports.MaxIndexPattern, ports.ErrInvalid)
	}
	earn(ctx, cs.sizeOf(digest)-clampInt(offset))
	at, err := br.IndexBytes(ctx, digest, clampInt(offset), pattern)
	if err != nil || at < 0 {
		return nil, err
	}
	v := uint64(at)
	return &v, nil
}

func (cs *callState) Log(ctx context.Context, level wLogLevel, msg string) {
	if len(msg) > maxLogLine {
		msg = msg[:maxLogLine]
	}
	cs.log.Log(ctx, []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}[level], msg)
}
