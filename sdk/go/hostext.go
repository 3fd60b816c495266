package sdk

import "errors"

// BlobHost is implemented by hosts that offer the concat-blobs and
// mount-blob imports (resumable uploads, cross-repository mounts). It is
// kept apart from Host so existing Host implementations keep compiling.
type BlobHost interface {
	// ConcatBlobs joins readable blobs in order into a new blob.
	ConcatBlobs(digests []string) (Body, error)
	// MountBlob stages toPath pointing at the blob of fromPath in
	// repository fromRepo, if the caller may read it.
	MountBlob(fromRepo, fromPath, toPath, contentType string) error
}

// TokenHost is implemented by hosts that offer the session-token import.
type TokenHost interface {
	// SessionToken mints an access token valid ttlSeconds for the caller,
	// or with offline a long-lived refresh credential.
	SessionToken(ttlSeconds uint32, offline bool) (string, error)
}

// ErrNoImport is returned by the helpers below when the host lacks the import.
var ErrNoImport = errors.New("host offers no such service")

// ConcatBlobs calls h's concat-blobs import.
func ConcatBlobs(h Host, digests []string) (Body, error) {
	bh, ok := h.(BlobHost)
	if !ok {
		return Body{}, ErrNoImport
	}
	return bh.ConcatBlobs(digests)
}

// MountBlob calls h's mount-blob import.
func MountBlob(h Host, fromRepo, fromPath, toPath, contentType string) error {
	bh, ok := h.(BlobHost)
	if !ok {
		return ErrNoImport
	}
	return bh.MountBlob(fromRepo, fromPath, toPath, contentType)
}

// SessionToken calls h's session-token import.
func SessionToken(h Host, ttlSeconds uint32, offline bool) (string, error) {
	th, ok := h.(TokenHost)
	if !ok {
		return "", ErrNoImport
	}
	return th.SessionToken(ttlSeconds, offline)
}

// BlobRange is Length bytes at Offset of the blob (or request body) with
// sha256 Digest.
type BlobRange struct {
	Digest string
	Offset uint64
	Length uint64
}

// RangeHost is implemented by hosts that offer the concat-ranges and
// decode-base64 imports (contract 0.2.0): they build a blob out of ranges of
// stored blobs so uploaded bytes never enter the plugin.
type RangeHost interface {
	// ConcatRanges stores the concatenation of parts as a new blob.
	ConcatRanges(parts []BlobRange) (Body, error)
	// DecodeBase64 stores the decoded base64 text of r as a new blob.
	DecodeBase64(r BlobRange) (Body, error)
	// IndexBytes finds pattern (1 to 1024 bytes) at or after off in a
	// readable blob; found is false when it does not occur.
	IndexBytes(digest string, off uint64, pattern []byte) (at uint64, found bool, err error)
}

// ConcatRanges calls h's concat-ranges import: the file at offset, length
// inside an upload body becomes a blob of its own without being read.
func ConcatRanges(h Host, parts []BlobRange) (Body, error) {
	rh, ok := h.(RangeHost)
	if !ok {
		return Body{}, ErrNoImport
	}
	return rh.ConcatRanges(parts)
}

// DecodeBase64 calls h's decode-base64 import: base64 text inside an upload
// body (npm's attachment) becomes a blob without entering the plugin.
func DecodeBase64(h Host, r BlobRange) (Body, error) {
	rh, ok := h.(RangeHost)
	if !ok {
		return Body{}, ErrNoImport
	}
	return rh.DecodeBase64(r)
}

// IndexBytes calls h's index-bytes import: the host searches the blob, so a
// multipart boundary is found without the body entering the plugin.
func IndexBytes(h Host, digest string, off uint64, pattern []byte) (uint64, bool, error) {
	rh, ok := h.(RangeHost)
	if !ok {
		return 0, false, ErrNoImport
	}
	return rh.IndexBytes(digest, off, pattern)
}

var errShortSpans = errors.New("json-members: the host returned too few spans")
