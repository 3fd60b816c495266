package fakehost

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.BlobHost  = (*Host)(nil)
	_ sdk.TokenHost = (*Host)(nil)
)

// Body stores data as a blob and returns it as a request body, hashed like
// the real host does.
func (h *Host) Body(data []byte) *sdk.Body {
	d := h.AddBlob(data)
	s1 := sha1.Sum(data)
	s5 := sha512.Sum512(data)
	return &sdk.Body{Digest: d, Size: uint64(len(data)), SHA1: hex.EncodeToString(s1[:]), SHA512: hex.EncodeToString(s5[:])}
}

// ConcatBlobs joins stored blobs in order into a new blob.
func (h *Host) ConcatBlobs(digests []string) (sdk.Body, error) {
	var buf bytes.Buffer
	for _, d := range digests {
		b, err := h.blob(d)
		if err != nil {
			return sdk.Body{}, err
		}
		buf.Write(b)
	}
	return *h.Body(buf.Bytes()), nil
}

// MountBlob stages toPath pointing at the blob of fromPath in Mountable[fromRepo].
func (h *Host) MountBlob(fromRepo, fromPath, toPath, contentType string) error {
	f, ok := h.Mountable[fromRepo][fromPath]
	if !ok {
		return fmt.Errorf("mount %s/%s: not found", fromRepo, fromPath)
	}
	h.StagedFiles = append(h.StagedFiles, sdk.StagedFile{Path: toPath, BlobDigest: f.BlobDigest, ContentType: contentType, Overwrite: true})
	return nil
}

// SessionToken mints "fake-session-<caller>-<n>" (or "fake-offline-…") for
// Caller; an anonymous Caller gets "fake-anonymous-<n>" and no offline token.
func (h *Host) SessionToken(ttlSeconds uint32, offline bool) (string, error) {
	if h.Caller == "" {
		if offline {
			return "", fmt.Errorf("session token: the caller is anonymous")
		}
		tok := fmt.Sprintf("fake-anonymous-%d", len(h.Minted)+1)
		h.Minted = append(h.Minted, tok)
		return tok, nil
	}
	kind := "session"
	if offline {
		kind = "offline"
	}
	tok := fmt.Sprintf("fake-%s-%s-%d", kind, h.Caller, len(h.Minted)+1)
	h.Minted = append(h.Minted, tok)
	return tok, nil
}

var _ sdk.RangeHost = (*Host)(nil)

// rangeOf returns the bytes of r, or an error when r leaves its blob.
func (h *Host) rangeOf(r sdk.BlobRange) ([]byte, error) {
	b, err := h.blob(r.Digest)
	if err != nil {
		return nil, err
	}
	if r.Length == 0 || r.Offset > uint64(len(b)) || r.Length > uint64(len(b))-r.Offset {
		return nil, fmt.Errorf("range %d+%d outside blob %s of %d bytes", r.Offset, r.Length, r.Digest, len(b))
	}
	return b[r.Offset : r.Offset+r.Length], nil
}

// ConcatRanges joins ranges of stored blobs into a new blob.
func (h *Host) ConcatRanges(parts []sdk.BlobRange) (sdk.Body, error) {
	if len(parts) == 0 {
		return sdk.Body{}, fmt.Errorf("concat ranges: no parts")
	}
	var buf bytes.Buffer
	for _, p := range parts {
		b, err := h.rangeOf(p)
		if err != nil {
			return sdk.Body{}, err
		}
		buf.Write(b)
	}
	return *h.Body(buf.Bytes()), nil
}

// DecodeBase64 decodes the base64 text of r (padding optional, CR/LF ignored) into a new blob.
func (h *Host) DecodeBase64(r sdk.BlobRange) (sdk.Body, error) {
	b, err := h.rangeOf(r)
	if err != nil {
		return sdk.Body{}, err
	}
	text := strings.TrimRight(strings.NewReplacer("\r", "", "\n", "").Replace(string(b)), "=")
	out, err := base64.RawStdEncoding.DecodeString(text)
	if err != nil {
		return sdk.Body{}, fmt.Errorf("decode base64: %w", err)
	}
	return *h.Body(out), nil
}

// IndexBytes finds pattern at or after off in a stored blob.
func (h *Host) IndexBytes(digest string, off uint64, pattern []byte) (uint64, bool, error) {
	b, err := h.blob(digest)
	if err != nil {
		return 0, false, err
	}
	if len(pattern) == 0 || len(pattern) > 1024 {
		return 0, false, fmt.Errorf("index bytes: pattern of %d bytes", len(pattern))
	}
	if off >= uint64(len(b)) {
		return 0, false, nil
	}
	i := bytes.Index(b[off:], pattern)
	if i < 0 {
		return 0, false, nil
	}
	return off + uint64(i), true, nil
}
