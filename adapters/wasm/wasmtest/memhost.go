// Package wasmtest has test helpers for format plugins: an in-memory
// ports.HostCall and a builder that compiles a Go plugin to a .wasm module.
package wasmtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.HostCall = (*MemHost)(nil)

// MemHost keeps blobs, files and key-values in memory and records staged
// writes; Commit applies them as the real host does after a successful call.
type MemHost struct {
	mu       sync.Mutex
	Blobs    map[string][]byte
	Files    map[string]ports.File
	KV       map[string][]byte
	Versions []ports.VersionPut

	StagedFiles    []ports.StagedFile
	StagedDeletes  []string
	StagedKV       []ports.KV
	StagedVersions []ports.VersionPut

	// Accounts are the username/password pairs Login accepts; Minted lists
	// the tokens it returned.
	Accounts map[string]string
	Minted   []string

	// Caller is the user SessionToken mints for ("" is anonymous);
	// Mountable holds files of other repositories MountBlob may use,
	// keyed by repository key then path (see memhostext.go).
	Caller    string
	Mountable map[string]map[string]ports.File
	// Readable maps the repositories of the plugin's format the caller may
	// read to their package names, for ListRepos and ListRepoPackages.
	Readable map[string][]string
}

// NewMemHost returns an empty MemHost.
func NewMemHost() *MemHost {
	return &MemHost{Blobs: map[string][]byte{}, Files: map[string]ports.File{}, KV: map[string][]byte{}}
}

// AddBlob stores data and returns its digest.
func (h *MemHost) AddBlob(data []byte) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.addBlob(data)
}

func (h *MemHost) addBlob(data []byte) string {
	s := sha256.Sum256(data)
	d := hex.EncodeToString(s[:])
	h.Blobs[d] = append([]byte(nil), data...)
	return d
}

// AddFile stores data at path.
func (h *MemHost) AddFile(path string, data []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	d := h.addBlob(data)
	h.Files[path] = ports.File{Path: path, BlobDigest: d, SHA256: d, Size: int64(len(data)), CreatedAt: time.UnixMilli(1)}
}

// Commit applies and clears the staged writes.
func (h *MemHost) Commit() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.StagedDeletes {
		delete(h.Files, p)
	}
	for _, s := range h.StagedFiles {
		b := h.Blobs[s.BlobDigest]
		h.Files[s.Path] = ports.File{Path: s.Path, BlobDigest: s.BlobDigest, SHA256: s.BlobDigest, Size: int64(len(b)),
			ContentType: s.ContentType, Package: s.Package, Version: s.Version, Metadata: s.Metadata, CreatedAt: time.UnixMilli(1)}
	}
	for _, kv := range h.StagedKV {
		if kv.Value == nil {
			delete(h.KV, kv.Namespace+"\x00"+kv.Key)
		} else {
			h.KV[kv.Namespace+"\x00"+kv.Key] = kv.Value
		}
	}
	h.Versions = append(h.Versions, h.StagedVersions...)
	h.Discard()
}

// Discard drops the staged writes.
func (h *MemHost) Discard() {
	h.StagedFiles, h.StagedDeletes, h.StagedKV, h.StagedVersions = nil, nil, nil, nil
}

type blobReader struct{ *bytes.Reader }

func (blobReader) Close() error { return nil }

func (h *MemHost) blob(d string) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	b, ok := h.Blobs[d]
	if !ok {
		return nil, fmt.Errorf("memhost: blob %s: %w", d, ports.ErrNotFound)
	}
	return b, nil
}

func (h *MemHost) ReadBlob(_ context.Context, digest string, off, n int64) ([]byte, error) {
	b, err := h.blob(digest)
	if err != nil {
		return nil, err
	}
	if off < 0 || off >= int64(len(b)) {
		return nil, nil
	}
	return append([]byte(nil), b[off:min(off+n, int64(len(b)))]...), nil
}

func (h *MemHost) OpenBlob(_ context.Context, digest string) (ports.BlobReader, int64, error) {
	b, err := h.blob(digest)
	if err != nil {
		return nil, 0, err
	}
	return blobReader{bytes.NewReader(b)}, int64(len(b)), nil
}

func (h *MemHost) PutBlob(_ context.Context, data []byte) (ports.Blob, error) {
	d := h.AddBlob(data)
	return ports.Blob{Digest: d, Size: int64(len(data))}, nil
}

func (h *MemHost) GetFile(_ context.Context, path string) (ports.File, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f, ok := h.Files[path]
	if !ok {
		return ports.File{}, fmt.Errorf("memhost: %s: %w", path, ports.ErrNotFound)
	}
	return f, nil
}

func (h *MemHost) ListFiles(_ context.Context, q ports.FileListing) ([]ports.File, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []ports.File
	for p, f := range h.Files {
		if strings.HasPrefix(p, q.Prefix) && p > q.After && (q.Package == "" || f.Package == q.Package) {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func (h *MemHost) ListPackages(context.Context, string, string, int) ([]ports.Package, error) {
	return nil, nil
}

func (h *MemHost) ListVersions(context.Context, string, string, int) ([]ports.Version, error) {
	return nil, nil
}

func (h *MemHost) GetKV(_ context.Context, ns, key string) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.KV[ns+"\x00"+key]
	if !ok {
		return nil, ports.ErrNotFound
	}
	return v, nil
}

func (h *MemHost) ListKV(_ context.Context, ns, prefix, after string, limit int) ([]ports.KV, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []ports.KV
	for k, v := range h.KV {
		n, key, _ := strings.Cut(k, "\x00")
		if n == ns && strings.HasPrefix(key, prefix) && key > after {
			out = append(out, ports.KV{Namespace: ns, Key: key, Value: v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (h *MemHost) StageFile(f ports.StagedFile) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.Blobs[f.BlobDigest]; !ok {
		return fmt.Errorf("memhost: stage %s: blob %s: %w", f.Path, f.BlobDigest, ports.ErrNotFound)
	}
	h.StagedFiles = append(h.StagedFiles, f)
	return nil
}

func (h *MemHost) StageDelete(path string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.StagedDeletes = append(h.StagedDeletes, path)
	return nil
}

func (h *MemHost) StageKV(kv ports.KV, del bool) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if del {
		kv.Value = nil
	} else if kv.Value == nil {
		kv.Value = []byte{}
	}
	h.StagedKV = append(h.StagedKV, kv)
	return nil
}

func (h *MemHost) StageVersion(v ports.VersionPut) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.StagedVersions = append(h.StagedVersions, v)
	return nil
}

// Login accepts the pairs in Accounts and mints "mem-token-<user>-<n>".
func (h *MemHost) Login(_ context.Context, username, password string) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if pw, ok := h.Accounts[username]; !ok || pw != password || password == "" {
		return "", fmt.Errorf("memhost: login %s: invalid username or password", username)
	}
	tok := fmt.Sprintf("mem-token-%s-%d", username, len(h.Minted)+1)
	h.Minted = append(h.Minted, tok)
	return tok, nil
}

var _ io.Reader = blobReader{}
