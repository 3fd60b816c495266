// Package fakehost is an in-memory sdk.Host for unit-testing plugin logic natively.
package fakehost

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.Host      = (*Host)(nil)
	_ sdk.LoginHost = (*Host)(nil)
)

// Host keeps files, blobs and key-values in maps. Writes are staged in
// Staged*, and Commit applies them as the real host does after success.
type Host struct {
	Files    map[string]sdk.File
	Blobs    map[string][]byte
	KV       map[string][]byte          // "ns\x00key"
	Versions map[string]sdk.VersionInfo // "package\x00version" once committed
	RepoCtx  *sdk.RepoContext
	Logs     []string
	// Accounts are the username/password pairs Login accepts; Minted lists
	// the tokens it returned ("fake-token-<user>-<n>").
	Accounts map[string]string
	Minted   []string
	// Caller is the user SessionToken mints for ("" is anonymous);
	// Mountable holds files of other repositories MountBlob may use,
	// keyed by repository key then path (see ext.go).
	Caller    string
	Mountable map[string]map[string]sdk.File
	// ScanLimit caps the decompressed bytes an archive walk reads
	// (0: DefaultScanLimit, the host's 1 GiB; see archive.go).
	ScanLimit int64
	// VersionClock stamps CreatedMs of versions Commit adds (nil: 0);
	// a version updated in place keeps its time.
	VersionClock func() int64
	// Readable maps the repositories of the plugin's format the caller may
	// read to their package names (ListRepos, ListRepoPackages; repos.go).
	Readable map[string][]string

	StagedFiles    []sdk.StagedFile
	StagedDeletes  []string
	StagedVersions []sdk.VersionPut
	StagedKV       map[string][]byte // nil value = delete
}

// New returns an empty host bound to repo (may be nil).
func New(repo *sdk.RepoContext) *Host {
	return &Host{Files: map[string]sdk.File{}, Blobs: map[string][]byte{}, KV: map[string][]byte{},
		Versions: map[string]sdk.VersionInfo{}, StagedKV: map[string][]byte{}, RepoCtx: repo}
}

// AddBlob stores data and returns its sha256 digest.
func (h *Host) AddBlob(data []byte) string {
	s := sha256.Sum256(data)
	d := hex.EncodeToString(s[:])
	h.Blobs[d] = append([]byte(nil), data...)
	return d
}

// AddFile stores data as a blob and a file at path.
func (h *Host) AddFile(path string, data []byte) sdk.File {
	d := h.AddBlob(data)
	f := sdk.File{Path: path, BlobDigest: d, SHA256: d, Size: uint64(len(data))}
	h.Files[path] = f
	return f
}

// Commit applies and clears the staged writes, versions included (so
// ListVersions and ListPackages see them, as on the real host).
func (h *Host) Commit() {
	for _, v := range h.StagedVersions {
		k := v.Package + "\x00" + v.Version
		if v.Delete {
			delete(h.Versions, k)
			continue
		}
		created := h.Versions[k].CreatedMs
		if _, ok := h.Versions[k]; !ok && h.VersionClock != nil {
			created = h.VersionClock()
		}
		h.Versions[k] = sdk.VersionInfo{Package: v.Package, Version: v.Version, Metadata: v.Metadata, CreatedMs: created}
	}
	for _, p := range h.StagedDeletes {
		delete(h.Files, p)
	}
	for _, s := range h.StagedFiles {
		b := h.Blobs[s.BlobDigest]
		h.Files[s.Path] = sdk.File{Path: s.Path, BlobDigest: s.BlobDigest, SHA256: s.BlobDigest, Size: uint64(len(b)),
			ContentType: s.ContentType, Package: s.Package, Version: s.Version, Metadata: s.Metadata}
	}
	for k, v := range h.StagedKV {
		if v == nil {
			delete(h.KV, k)
		} else {
			h.KV[k] = v
		}
	}
	h.Discard()
}

// Discard drops the staged writes (what the host does after a failed call).
func (h *Host) Discard() {
	h.StagedFiles, h.StagedDeletes, h.StagedVersions = nil, nil, nil
	h.StagedKV = map[string][]byte{}
}

func (h *Host) blob(digest string) ([]byte, error) {
	b, ok := h.Blobs[digest]
	if !ok {
		return nil, fmt.Errorf("blob %s: not found", digest)
	}
	return b, nil
}

func (h *Host) ReadBlob(digest string, off uint64, n uint32) ([]byte, error) {
	b, err := h.blob(digest)
	if err != nil {
		return nil, err
	}
	if off >= uint64(len(b)) {
		return nil, nil
	}
	end := min(off+uint64(n), uint64(len(b)))
	return append([]byte(nil), b[off:end]...), nil
}

func (h *Host) source(s sdk.Source) ([]byte, error) {
	if s.Assembled != "" {
		// The native path builds no handles (sdk.AssembledSource).
		return nil, fmt.Errorf("fakehost: no assembled document %q", s.Assembled)
	}
	if s.Blob != "" {
		return h.blob(s.Blob)
	}
	return s.Bytes, nil
}

func (h *Host) Gunzip(src sdk.Source, maxBytes uint64) ([]byte, error) {
	b, err := h.source(src)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, int64(maxBytes)+1))
	if err != nil {
		return nil, err
	}
	if uint64(len(out)) > maxBytes {
		return nil, errors.New("gunzip: output too large")
	}
	return out, nil
}

func (h *Host) Hash(alg sdk.HashAlg, src sdk.Source) (string, error) {
	b, err := h.source(src)
	if err != nil {
		return "", err
	}
	var hh hash.Hash
	switch alg {
	case sdk.SHA256:
		hh = sha256.New()
	case sdk.SHA1:
		hh = sha1.New()
	case sdk.MD5:
		hh = md5.New()
	case sdk.SHA512:
		hh = sha512.New()
	default:
		return "", errors.New("hash: unknown algorithm")
	}
	hh.Write(b)
	return hex.EncodeToString(hh.Sum(nil)), nil
}

func (h *Host) GetFile(path string) (*sdk.File, error) {
	f, ok := h.Files[path]
	if !ok {
		return nil, nil
	}
	return &f, nil
}

func (h *Host) ListFiles(prefix, after string, limit uint32, pkg string) ([]sdk.File, error) {
	var out []sdk.File
	for p, f := range h.Files {
		if strings.HasPrefix(p, prefix) && p > after && (pkg == "" || f.Package == pkg) {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	if limit > 0 && len(out) > int(limit) {
		out = out[:limit]
	}
	return out, nil
}

// ListPackages lists the packages of the committed versions; like the real
// host, a package was created with its first version and updated with its
// latest.
func (h *Host) ListPackages(prefix, after string, limit uint32) ([]sdk.PackageInfo, error) {
	seen := map[string]int{}
	var out []sdk.PackageInfo
	for _, v := range h.Versions {
		if !strings.HasPrefix(v.Package, prefix) || v.Package <= after {
			continue
		}
		i, ok := seen[v.Package]
		if !ok {
			i, seen[v.Package] = len(out), len(out)
			out = append(out, sdk.PackageInfo{Name: v.Package, CreatedMs: v.CreatedMs, UpdatedMs: v.CreatedMs})
		}
		out[i].CreatedMs, out[i].UpdatedMs = min(out[i].CreatedMs, v.CreatedMs), max(out[i].UpdatedMs, v.CreatedMs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if limit > 0 && len(out) > int(limit) {
		out = out[:limit]
	}
	return out, nil
}

func (h *Host) ListVersions(pkg, after string, limit uint32) ([]sdk.VersionInfo, error) {
	var out []sdk.VersionInfo
	for _, v := range h.Versions {
		if v.Package == pkg && v.Version > after {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	if limit > 0 && len(out) > int(limit) {
		out = out[:limit]
	}
	return out, nil
}

func (h *Host) KVGet(ns, key string) ([]byte, bool, error) {
	v, ok := h.KV[ns+"\x00"+key]
	return v, ok, nil
}

func (h *Host) KVPut(ns, key string, value []byte) error {
	h.StagedKV[ns+"\x00"+key] = append([]byte{}, value...)
	return nil
}

func (h *Host) KVDelete(ns, key string) error {
	h.StagedKV[ns+"\x00"+key] = nil
	return nil
}

func (h *Host) KVList(ns, prefix, after string, limit uint32) ([]sdk.KVEntry, error) {
	var out []sdk.KVEntry
	for k, v := range h.KV {
		n, key, _ := strings.Cut(k, "\x00")
		if n == ns && strings.HasPrefix(key, prefix) && key > after {
			out = append(out, sdk.KVEntry{Key: key, Value: v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	if limit > 0 && len(out) > int(limit) {
		out = out[:limit]
	}
	return out, nil
}

func (h *Host) PutBlob(data []byte) (string, error) { return h.AddBlob(data), nil }

func (h *Host) StageFile(f sdk.StagedFile) error {
	if _, ok := h.Blobs[f.BlobDigest]; !ok {
		return fmt.Errorf("stage %s: blob %s not found", f.Path, f.BlobDigest)
	}
	h.StagedFiles = append(h.StagedFiles, f)
	return nil
}

func (h *Host) StageDelete(path string) error {
	h.StagedDeletes = append(h.StagedDeletes, path)
	return nil
}

func (h *Host) StageVersion(v sdk.VersionPut) error {
	h.StagedVersions = append(h.StagedVersions, v)
	return nil
}

func (h *Host) Repo() *sdk.RepoContext { return h.RepoCtx }

func (h *Host) Log(level sdk.LogLevel, msg string) {
	h.Logs = append(h.Logs, fmt.Sprintf("%d %s", level, msg))
}

// Login accepts the pairs in Accounts and mints a fake token.
func (h *Host) Login(username, password string) (string, error) {
	if pw, ok := h.Accounts[username]; !ok || pw != password || password == "" {
		return "", errors.New("invalid username or password")
	}
	tok := fmt.Sprintf("fake-token-%s-%d", username, len(h.Minted)+1)
	h.Minted = append(h.Minted, tok)
	return tok, nil
}
