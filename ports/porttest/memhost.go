package porttest

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

var (
	_ ports.HostCall    = (*MemHost)(nil)
	_ ports.BlobRanges  = (*MemHost)(nil)
	_ ports.HostSigning = (*MemHost)(nil)
)

// MemHost is the in-memory ports.HostCall every test of a plugin or runtime
// uses (it passes the HostCall suite, as the real host does). It keeps one
// repository's blobs, files, key-values and package versions, records staged
// writes, and Commit applies them the way the host commits a call: in one
// step, a path that exists without Overwrite refusing all of them. Unlike the
// real host it lets a call read every blob it stores.
type MemHost struct {
	mu    sync.Mutex
	Blobs map[string][]byte
	Files map[string]ports.File
	KV    map[string][]byte // "namespace\x00key"

	StagedFiles    []ports.StagedFile
	StagedDeletes  []string
	StagedKV       []ports.KV
	StagedVersions []ports.VersionPut

	// Clock stamps the versions and packages a Commit creates (read at most
	// once per Commit, only when something new needs a time; nil: the zero
	// time); a version updated in place keeps its time.
	Clock    func() time.Time
	versions map[string]ports.Version // "package\x00version"
	packages map[string]ports.Package

	// Accounts are the username/password pairs Login accepts; Minted lists
	// the tokens Login and SessionToken returned.
	Accounts map[string]string
	Minted   []string

	// Caller is the user SessionToken mints for ("" is anonymous);
	// Mountable holds files of other repositories MountBlob may use,
	// keyed by repository key then path (see memhost_ext.go).
	Caller    string
	Mountable map[string]map[string]ports.File
	// RepoKey is the key of the repository the calls are bound to; ListRepos
	// lists it and ListRepoPackages lists its packages. Readable maps other
	// repositories of the plugin's format the caller may read to their
	// package names.
	RepoKey  string
	Readable map[string][]string

	// Signing is the repository's signing key (nil: none configured), e.g.
	// a *pgp.Signer of adapters/pgp; Signed lists the forms Sign served.
	Signing ports.HostSigning
	Signed  []ports.SignForm
}

// NewMemHost returns an empty MemHost.
func NewMemHost() *MemHost {
	return &MemHost{Blobs: map[string][]byte{}, Files: map[string]ports.File{}, KV: map[string][]byte{},
		versions: map[string]ports.Version{}, packages: map[string]ports.Package{}}
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

// AddFile stores data at path as a committed file.
func (h *MemHost) AddFile(path string, data []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	d := h.addBlob(data)
	h.Files[path] = h.fileOf(ports.StagedFile{Path: path, BlobDigest: d})
}

// AddVersion stores a committed version as it is (seeding a test).
func (h *MemHost) AddVersion(v ports.Version) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.versions[v.Package+"\x00"+v.Version] = v
	if _, ok := h.packages[v.Package]; !ok {
		h.packages[v.Package] = ports.Package{Name: v.Package, CreatedAt: v.CreatedAt, UpdatedAt: v.CreatedAt}
	}
}

// Body stores data as a spooled request body.
func (h *MemHost) Body(data []byte) *ports.Body {
	h.mu.Lock()
	defer h.mu.Unlock()
	b := h.stored(data)
	return &b
}

// stored keeps data as a blob and returns its digests; h.mu is held.
func (h *MemHost) stored(data []byte) ports.Body {
	d := h.addBlob(data)
	s1, s5, m5 := sha1.Sum(data), sha512.Sum512(data), md5.Sum(data)
	return ports.Body{Digest: d, Size: int64(len(data)), SHA1: hex.EncodeToString(s1[:]),
		SHA512: hex.EncodeToString(s5[:]), MD5: hex.EncodeToString(m5[:])}
}

// fileOf is the stored form of a staged file; h.mu is held.
func (h *MemHost) fileOf(s ports.StagedFile) ports.File {
	b := h.Blobs[s.BlobDigest]
	s1, s5, m5 := sha1.Sum(b), sha512.Sum512(b), md5.Sum(b)
	return ports.File{Path: s.Path, BlobDigest: s.BlobDigest, SHA256: s.BlobDigest, Size: int64(len(b)),
		SHA1: hex.EncodeToString(s1[:]), SHA512: hex.EncodeToString(s5[:]), MD5: hex.EncodeToString(m5[:]),
		ContentType: s.ContentType, Package: s.Package, Version: s.Version, Metadata: s.Metadata, CreatedAt: time.UnixMilli(1)}
}

// Commit applies and clears the staged writes, as the host does after a
// successful call: deletes, then files (a path that exists without
// Overwrite is ErrConflict and nothing is applied), key-values, and package
// versions (a file with a package and version records them; a staged
// version upserts or removes one, a package goes with its last version).
func (h *MemHost) Commit() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	defer h.discard()
	var stamp *time.Time // the clock is read once, when something new needs a time
	now := func() time.Time {
		if stamp == nil {
			t := h.now()
			stamp = &t
		}
		return *stamp
	}
	deleted := map[string]bool{}
	for _, p := range h.StagedDeletes {
		deleted[p] = true
	}
	for _, s := range h.StagedFiles {
		if _, ok := h.Files[s.Path]; ok && !s.Overwrite && !deleted[s.Path] {
			return fmt.Errorf("memhost: commit: path %q exists: %w", s.Path, ports.ErrConflict)
		}
	}
	for p := range deleted {
		delete(h.Files, p)
	}
	for _, s := range h.StagedFiles {
		h.Files[s.Path] = h.fileOf(s)
		_, known := h.packages[s.Package]
		if s.Package != "" && !known {
			h.touchPackage(s.Package, now())
		}
		if k := s.Package + "\x00" + s.Version; s.Package != "" && s.Version != "" {
			if _, ok := h.versions[k]; !ok {
				t := now()
				h.versions[k] = ports.Version{Package: s.Package, Version: s.Version, CreatedAt: t}
				h.touchPackage(s.Package, t)
			}
		}
	}
	for _, kv := range h.StagedKV {
		if kv.Value == nil {
			delete(h.KV, kv.Namespace+"\x00"+kv.Key)
		} else {
			h.KV[kv.Namespace+"\x00"+kv.Key] = kv.Value
		}
	}
	for _, v := range h.StagedVersions {
		h.applyVersion(v, now)
	}
	return nil
}

func (h *MemHost) now() time.Time {
	if h.Clock == nil {
		return time.Time{}
	}
	return h.Clock()
}

// touchPackage records that package name changed at t (creating it).
func (h *MemHost) touchPackage(name string, t time.Time) {
	p, ok := h.packages[name]
	if !ok {
		p = ports.Package{Name: name, CreatedAt: t}
	}
	p.UpdatedAt = t
	h.packages[name] = p
}

func (h *MemHost) applyVersion(v ports.VersionPut, now func() time.Time) {
	k := v.Package + "\x00" + v.Version
	if v.Delete {
		delete(h.versions, k)
		for _, o := range h.versions {
			if o.Package == v.Package {
				return
			}
		}
		delete(h.packages, v.Package)
		return
	}
	old, ok := h.versions[k]
	if !ok {
		old.CreatedAt = now()
		h.touchPackage(v.Package, old.CreatedAt)
	}
	h.versions[k] = ports.Version{Package: v.Package, Version: v.Version, Metadata: v.Metadata, CreatedAt: old.CreatedAt}
}

// Discard drops the staged writes, as the host does after a failed call.
func (h *MemHost) Discard() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.discard()
}

func (h *MemHost) discard() {
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

// ReadBlob reads up to n bytes at off of a stored blob.
func (h *MemHost) ReadBlob(_ context.Context, digest string, off, n int64) ([]byte, error) {
	b, err := h.blob(digest)
	if err != nil {
		return nil, err
	}
	if off < 0 || n < 0 {
		return nil, fmt.Errorf("memhost: read blob: negative offset or length: %w", ports.ErrInvalid)
	}
	if off >= int64(len(b)) {
		return []byte{}, nil
	}
	return append([]byte(nil), b[off:min(off+n, int64(len(b)))]...), nil
}

// OpenBlob opens a stored blob.
func (h *MemHost) OpenBlob(_ context.Context, digest string) (ports.BlobReader, int64, error) {
	b, err := h.blob(digest)
	if err != nil {
		return nil, 0, err
	}
	return blobReader{bytes.NewReader(b)}, int64(len(b)), nil
}

// PutBlob stores data.
func (h *MemHost) PutBlob(_ context.Context, data []byte) (ports.Blob, error) {
	d := h.AddBlob(data)
	return ports.Blob{Digest: d, Size: int64(len(data))}, nil
}

// GetFile returns a committed file.
func (h *MemHost) GetFile(_ context.Context, path string) (ports.File, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f, ok := h.Files[path]
	if !ok {
		return ports.File{}, fmt.Errorf("memhost: %s: %w", path, ports.ErrNotFound)
	}
	return f, nil
}

// ListFiles lists committed files by q, in path order.
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
	return page(out, q.Limit), nil
}

// ListPackages lists the committed packages, by name.
func (h *MemHost) ListPackages(_ context.Context, prefix, after string, limit int) ([]ports.Package, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.listPackages(prefix, after, limit), nil
}

func (h *MemHost) listPackages(prefix, after string, limit int) []ports.Package {
	var out []ports.Package
	for _, p := range h.packages {
		if strings.HasPrefix(p.Name, prefix) && p.Name > after {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return page(out, limit)
}

// ListVersions lists the committed versions of pkg after `after`, in version-text order.
func (h *MemHost) ListVersions(_ context.Context, pkg, after string, limit int) ([]ports.Version, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []ports.Version
	for _, v := range h.versions {
		if v.Package == pkg && v.Version > after {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return page(out, limit), nil
}

// GetKV returns a committed key-value.
func (h *MemHost) GetKV(_ context.Context, ns, key string) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.KV[ns+"\x00"+key]
	if !ok {
		return nil, fmt.Errorf("memhost: kv %s/%s: %w", ns, key, ports.ErrNotFound)
	}
	return v, nil
}

// ListKV lists committed key-values of ns, in key order.
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
	return page(out, limit), nil
}

// page cuts a sorted listing to limit (0: no limit).
func page[T any](items []T, limit int) []T {
	if limit > 0 && len(items) > limit {
		return items[:limit]
	}
	return items
}
