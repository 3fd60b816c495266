package porttest

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// StageFile stages a file pointing at a stored blob (ErrInvalid otherwise).
func (h *MemHost) StageFile(f ports.StagedFile) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if f.Path == "" {
		return ports.Invalidf("path", "must not be empty")
	}
	if _, ok := h.Blobs[f.BlobDigest]; !ok {
		return fmt.Errorf("memhost: stage %s: blob %s is not readable: %w", f.Path, f.BlobDigest, ports.ErrInvalid)
	}
	h.StagedFiles = append(h.StagedFiles, f)
	return nil
}

// StageDelete stages the removal of path.
func (h *MemHost) StageDelete(path string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.StagedDeletes = append(h.StagedDeletes, path)
	return nil
}

// StageKV stages a key-value write or, with del, its removal.
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

// StageVersion stages a package-version upsert or removal.
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
		return "", fmt.Errorf("memhost: login %s: invalid username or password: %w", username, ports.ErrInvalid)
	}
	tok := fmt.Sprintf("mem-token-%s-%d", username, len(h.Minted)+1)
	h.Minted = append(h.Minted, tok)
	return tok, nil
}

// SessionToken mints "mem-session-<caller>-<n>" (or "mem-offline-…") for
// Caller; an anonymous Caller gets "mem-anonymous-<n>" and no offline token.
func (h *MemHost) SessionToken(_ context.Context, ttl time.Duration, offline bool) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.Caller == "" {
		if offline {
			return "", fmt.Errorf("memhost: session token: the caller is anonymous: %w", ports.ErrInvalid)
		}
		tok := fmt.Sprintf("mem-anonymous-%d", len(h.Minted)+1)
		h.Minted = append(h.Minted, tok)
		return tok, nil
	}
	kind := "session"
	if offline {
		kind = "offline"
	}
	tok := fmt.Sprintf("mem-%s-%s-%d", kind, h.Caller, len(h.Minted)+1)
	h.Minted = append(h.Minted, tok)
	return tok, nil
}

// ConcatBlobs joins stored blobs in order into a new blob.
func (h *MemHost) ConcatBlobs(_ context.Context, digests []string) (ports.Body, error) {
	if len(digests) == 0 {
		return ports.Body{}, fmt.Errorf("memhost: concat blobs: no parts: %w", ports.ErrInvalid)
	}
	return h.joined(len(digests), func(i int) ([]byte, error) { return h.blob(digests[i]) })
}

// joined stores the concatenation of n parts as a new blob.
func (h *MemHost) joined(n int, part func(i int) ([]byte, error)) (ports.Body, error) {
	var buf bytes.Buffer
	for i := range n {
		b, err := part(i)
		if err != nil {
			return ports.Body{}, err
		}
		buf.Write(b)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stored(buf.Bytes()), nil
}

// MountBlob stages toPath pointing at the blob of fromPath in Mountable[fromRepo].
func (h *MemHost) MountBlob(_ context.Context, fromRepo, fromPath, toPath, contentType string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	f, ok := h.Mountable[fromRepo][fromPath]
	if !ok {
		return fmt.Errorf("memhost: mount %s/%s: %w", fromRepo, fromPath, ports.ErrNotFound)
	}
	if _, ok := h.Blobs[f.BlobDigest]; !ok {
		return fmt.Errorf("memhost: mount %s/%s: blob not stored: %w", fromRepo, fromPath, ports.ErrNotFound)
	}
	h.StagedFiles = append(h.StagedFiles, ports.StagedFile{Path: toPath, BlobDigest: f.BlobDigest, ContentType: contentType, Overwrite: true})
	return nil
}

// ListRepos lists RepoKey and the keys of Readable after `after`, at most limit.
func (h *MemHost) ListRepos(_ context.Context, after string, limit int) ([]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for k := range h.Readable {
		if k > after && k != h.RepoKey {
			out = append(out, k)
		}
	}
	if h.RepoKey != "" && h.RepoKey > after {
		out = append(out, h.RepoKey)
	}
	sort.Strings(out)
	return page(out, limit), nil
}

// ListRepoPackages lists the packages of RepoKey (the committed ones) or of
// Readable[repo] starting with prefix, after `after`, at most limit;
// ErrNotFound for other repositories.
func (h *MemHost) ListRepoPackages(_ context.Context, repo, prefix, after string, limit int) ([]ports.Package, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if repo != "" && repo == h.RepoKey {
		return h.listPackages(prefix, after, limit), nil
	}
	names, ok := h.Readable[repo]
	if !ok {
		return nil, fmt.Errorf("memhost: list packages of %s: %w", repo, ports.ErrNotFound)
	}
	names = append([]string(nil), names...)
	sort.Strings(names)
	var out []ports.Package
	for _, n := range names {
		if strings.HasPrefix(n, prefix) && n > after {
			out = append(out, ports.Package{Name: n})
		}
	}
	return page(out, limit), nil
}

func (h *MemHost) rangeOf(r ports.BlobRange) ([]byte, error) {
	b, err := h.blob(r.Digest)
	if err != nil {
		return nil, err
	}
	if r.Offset < 0 || r.Length <= 0 || r.Offset > int64(len(b)) || r.Length > int64(len(b))-r.Offset {
		return nil, fmt.Errorf("memhost: range %d+%d outside blob %s of %d bytes: %w", r.Offset, r.Length, r.Digest, len(b), ports.ErrInvalid)
	}
	return b[r.Offset : r.Offset+r.Length], nil
}

// ConcatRanges joins ranges of stored blobs into a new blob.
func (h *MemHost) ConcatRanges(_ context.Context, parts []ports.BlobRange) (ports.Body, error) {
	if len(parts) == 0 {
		return ports.Body{}, fmt.Errorf("memhost: concat ranges: no parts: %w", ports.ErrInvalid)
	}
	return h.joined(len(parts), func(i int) ([]byte, error) { return h.rangeOf(parts[i]) })
}

// DecodeBase64 decodes the base64 text of r (padding optional, CR/LF ignored) into a new blob.
func (h *MemHost) DecodeBase64(_ context.Context, r ports.BlobRange) (ports.Body, error) {
	b, err := h.rangeOf(r)
	if err != nil {
		return ports.Body{}, err
	}
	text := strings.TrimRight(strings.NewReplacer("\r", "", "\n", "").Replace(string(b)), "=")
	out, err := base64.RawStdEncoding.DecodeString(text)
	if err != nil {
		return ports.Body{}, fmt.Errorf("memhost: decode base64: %w: %w", ports.ErrInvalid, err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stored(out), nil
}

// IndexBytes finds pattern at or after off in a stored blob, -1 when absent.
func (h *MemHost) IndexBytes(_ context.Context, digest string, off int64, pattern []byte) (int64, error) {
	b, err := h.blob(digest)
	if err != nil {
		return 0, err
	}
	if len(pattern) == 0 || len(pattern) > ports.MaxIndexPattern || off < 0 {
		return 0, fmt.Errorf("memhost: index bytes: bad pattern or offset: %w", ports.ErrInvalid)
	}
	if off >= int64(len(b)) {
		return -1, nil
	}
	i := bytes.Index(b[off:], pattern)
	if i < 0 {
		return -1, nil
	}
	return off + int64(i), nil
}

// Sign signs with h.Signing, the repository's key in this fake
// (ErrNoSigningKey when nil), and records the call in h.Signed.
func (h *MemHost) Sign(ctx context.Context, form ports.SignForm, data []byte) ([]byte, error) {
	if h.Signing == nil {
		return nil, ports.ErrNoSigningKey
	}
	sig, err := h.Signing.Sign(ctx, form, data)
	if err == nil {
		h.mu.Lock()
		h.Signed = append(h.Signed, form)
		h.mu.Unlock()
	}
	return sig, err
}

// PublicKey returns h.Signing's public key (ErrNoSigningKey when nil).
func (h *MemHost) PublicKey(ctx context.Context, form ports.KeyForm) (ports.PublicKey, error) {
	if h.Signing == nil {
		return ports.PublicKey{}, ports.ErrNoSigningKey
	}
	return h.Signing.PublicKey(ctx, form)
}
