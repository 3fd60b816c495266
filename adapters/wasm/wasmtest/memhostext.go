package wasmtest

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// ConcatBlobs joins stored blobs in order into a new blob.
func (h *MemHost) ConcatBlobs(_ context.Context, digests []string) (ports.Body, error) {
	var buf bytes.Buffer
	for _, d := range digests {
		b, err := h.blob(d)
		if err != nil {
			return ports.Body{}, err
		}
		buf.Write(b)
	}
	data := buf.Bytes()
	h.mu.Lock()
	d := h.addBlob(data)
	h.mu.Unlock()
	s1 := sha1.Sum(data)
	s5 := sha512.Sum512(data)
	return ports.Body{Digest: d, Size: int64(len(data)), SHA1: hex.EncodeToString(s1[:]), SHA512: hex.EncodeToString(s5[:])}, nil
}

// SessionToken mints "mem-session-<caller>-<n>" (or "mem-offline-…") for Caller.
func (h *MemHost) SessionToken(_ context.Context, ttl time.Duration, offline bool) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.Caller == "" {
		return "", fmt.Errorf("memhost: session token: the caller is anonymous: %w", ports.ErrInvalid)
	}
	kind := "session"
	if offline {
		kind = "offline"
	}
	tok := fmt.Sprintf("mem-%s-%s-%d", kind, h.Caller, len(h.Minted)+1)
	h.Minted = append(h.Minted, tok)
	return tok, nil
}

// MountBlob stages toPath pointing at the blob of fromPath in Mountable[fromRepo].
func (h *MemHost) MountBlob(_ context.Context, fromRepo, fromPath, toPath, contentType string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	f, ok := h.Mountable[fromRepo][fromPath]
	if !ok {
		return fmt.Errorf("memhost: mount %s/%s: %w", fromRepo, fromPath, ports.ErrNotFound)
	}
	h.StagedFiles = append(h.StagedFiles, ports.StagedFile{Path: toPath, BlobDigest: f.BlobDigest, ContentType: contentType, Overwrite: true})
	return nil
}

// ListRepos lists the keys of Readable (the repositories of the plugin's
// format the caller may read) after `after`, at most limit.
func (h *MemHost) ListRepos(_ context.Context, after string, limit int) ([]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for k := range h.Readable {
		if k > after {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// ListRepoPackages lists Readable[repo]'s package names starting with
// prefix, after `after`, at most limit; ErrNotFound for other repositories.
func (h *MemHost) ListRepoPackages(_ context.Context, repo, prefix, after string, limit int) ([]ports.Package, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
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
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

var _ ports.BlobRanges = (*MemHost)(nil)

func (h *MemHost) rangeOf(r ports.BlobRange) ([]byte, error) {
	b, err := h.blob(r.Digest)
	if err != nil {
		return nil, err
	}
	if r.Offset < 0 || r.Length <= 0 || r.Offset > int64(len(b)) || r.Length > int64(len(b))-r.Offset {
		return nil, fmt.Errorf("range %d+%d outside blob %s of %d bytes: %w", r.Offset, r.Length, r.Digest, len(b), ports.ErrInvalid)
	}
	return b[r.Offset : r.Offset+r.Length], nil
}

func (h *MemHost) stored(data []byte) ports.Body {
	h.mu.Lock()
	d := h.addBlob(data)
	h.mu.Unlock()
	s1 := sha1.Sum(data)
	s5 := sha512.Sum512(data)
	return ports.Body{Digest: d, Size: int64(len(data)), SHA1: hex.EncodeToString(s1[:]), SHA512: hex.EncodeToString(s5[:])}
}

// ConcatRanges joins ranges of stored blobs into a new blob.
func (h *MemHost) ConcatRanges(_ context.Context, parts []ports.BlobRange) (ports.Body, error) {
	if len(parts) == 0 {
		return ports.Body{}, fmt.Errorf("concat ranges: no parts: %w", ports.ErrInvalid)
	}
	var buf bytes.Buffer
	for _, p := range parts {
		b, err := h.rangeOf(p)
		if err != nil {
			return ports.Body{}, err
		}
		buf.Write(b)
	}
	return h.stored(buf.Bytes()), nil
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
		return ports.Body{}, fmt.Errorf("decode base64: %w: %w", ports.ErrInvalid, err)
	}
	return h.stored(out), nil
}

// IndexBytes finds pattern at or after off in a stored blob, -1 when absent.
func (h *MemHost) IndexBytes(_ context.Context, digest string, off int64, pattern []byte) (int64, error) {
	b, err := h.blob(digest)
	if err != nil {
		return 0, err
	}
	if len(pattern) == 0 || len(pattern) > ports.MaxIndexPattern || off < 0 {
		return 0, fmt.Errorf("index bytes: bad pattern or offset: %w", ports.ErrInvalid)
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
