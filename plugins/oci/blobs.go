package oci

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// parseDigest checks "<alg>:<hex>" for the algorithms the host can verify.
func parseDigest(d string) (alg, hexPart string, ok bool) {
	alg, hexPart, ok = strings.Cut(d, ":")
	if !ok {
		return "", "", false
	}
	n := map[string]int{"sha256": 64, "sha512": 128}[alg]
	if n == 0 || len(hexPart) != n {
		return "", "", false
	}
	for _, c := range hexPart {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", "", false
		}
	}
	return alg, hexPart, true
}

// digestOf is the OCI digest of a stored body in algorithm alg. The host
// computes only sha256 on upload (the plugin declares sdk.CapSHA256Bodies),
// so a sha512 digest, which few clients use, is asked of the hash import.
func (c *call) digestOf(alg string, b sdk.Body) (string, error) {
	if alg != "sha512" {
		return "sha256:" + b.Digest, nil
	}
	if b.SHA512 == "" {
		s, err := c.h.Hash(sdk.SHA512, sdk.Source{Blob: b.Digest})
		if err != nil {
			return "", err
		}
		b.SHA512 = s
	}
	return "sha512:" + b.SHA512, nil
}

func (c *call) blobPath(digest string) string { return prefix(c.r.image) + "blobs/" + digest }

// servedHeaders are recorded with a stored blob or manifest (the file's
// metadata, "served_headers") so the host's fast path, which serves a GET
// or HEAD of a stored path without calling the plugin, still sends
// Docker-Content-Digest (distribution spec, "Pulling blobs":
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs).
func servedHeaders(digest string) [][2]string {
	return [][2]string{{"Docker-Content-Digest", digest}}
}

// servedMeta is the metadata of a stored blob.
func servedMeta(digest string) []byte {
	b, _ := json.Marshal(manifestMeta{Served: servedHeaders(digest)})
	return b
}

// blob answers HEAD/GET (when the host's fast path found nothing) and DELETE
// of /v2/<name>/blobs/<digest>.
func (c *call) blob() (*sdk.Response, error) {
	if _, _, ok := parseDigest(c.r.ref); !ok {
		return ociError(400, codeDigestInvalid, "invalid digest "+c.r.ref), nil
	}
	f, err := c.h.GetFile(c.blobPath(c.r.ref))
	if err != nil {
		return nil, err
	}
	switch c.method() {
	case "GET", "HEAD":
		if f == nil {
			return ociError(404, codeBlobUnknown, "blob unknown to registry: "+c.r.ref), nil
		}
		return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: f.Path,
			Headers: []sdk.Header{{Name: "Docker-Content-Digest", Value: c.r.ref}}}, nil
	case "DELETE":
		if f == nil {
			return ociError(404, codeBlobUnknown, "blob unknown to registry: "+c.r.ref), nil
		}
		if err := c.h.StageDelete(f.Path); err != nil {
			return nil, err
		}
		return empty(202), nil
	}
	return ociError(405, codeUnsupported, "method "+c.method()+" not allowed on blobs"), nil
}

// rangeHeader is the spec's inclusive `Range: 0-<last byte>`.
func rangeHeader(size uint64) sdk.Header {
	end := uint64(0)
	if size > 0 {
		end = size - 1
	}
	return sdk.Header{Name: "Range", Value: "0-" + strconv.FormatUint(end, 10)}
}

func (c *call) sessionHeaders(id string, s *session) []sdk.Header {
	return []sdk.Header{{Name: "Location", Value: c.uploadPath(id)}, rangeHeader(s.Size),
		{Name: "Docker-Upload-UUID", Value: id}}
}

// upload dispatches /v2/<name>/blobs/uploads/[<id>].
func (c *call) upload() (*sdk.Response, error) {
	if c.r.ref == "" {
		if c.method() != "POST" {
			return ociError(405, codeUnsupported, "method "+c.method()+" not allowed here"), nil
		}
		return c.startUpload()
	}
	s, err := c.loadSession(c.r.ref)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return ociError(404, codeBlobUploadUnknown, "blob upload unknown to registry: "+c.r.ref), nil
	}
	switch c.method() {
	case "GET":
		return empty(204, c.sessionHeaders(c.r.ref, s)...), nil
	case "PATCH":
		return c.patchUpload(s)
	case "PUT":
		return c.finishUpload(s)
	case "DELETE":
		if err := c.closeSession(c.r.ref, s); err != nil {
			return nil, err
		}
		return empty(204), nil
	}
	return ociError(405, codeUnsupported, "method "+c.method()+" not allowed on uploads"), nil
}

// startUpload handles POST: cross-repository mount, monolithic upload with
// ?digest=, or the start of a resumable session.
func (c *call) startUpload() (*sdk.Response, error) {
	if mount := c.q.Get("mount"); mount != "" {
		if resp, err := c.mount(mount, c.q.Get("from")); resp != nil || err != nil {
			return resp, err
		}
	}
	if d := c.q.Get("digest"); d != "" {
		return c.storeBlob(d, c.req.Body)
	}
	if err := c.expireUploads(); err != nil {
		return nil, err
	}
	key, err := c.uploadKey(true)
	if err != nil {
		return nil, err
	}
	id, s := newSession(key, c.r.image)
	// A session without a chunk is not stored: its id proves it (uploads.go),
	// so the common POST commits nothing.
	if c.req.Body != nil && c.req.Body.Size > 0 {
		if err := c.addChunk(id, s, c.req.Body); err != nil {
			return nil, err
		}
		if err := c.saveSession(id, s); err != nil {
			return nil, err
		}
	}
	return empty(202, c.sessionHeaders(id, s)...), nil
}

// mount links a blob of another name (`from`) into this one without
// uploading it; nil, nil means "not mountable": start a normal upload.
func (c *call) mount(digest, from string) (*sdk.Response, error) {
	if _, _, ok := parseDigest(digest); !ok {
		return ociError(400, codeDigestInvalid, "invalid digest "+digest), nil
	}
	created := empty(201, sdk.Header{Name: "Location", Value: c.apiPath() + "/blobs/" + digest},
		sdk.Header{Name: "Docker-Content-Digest", Value: digest})
	if f, err := c.h.GetFile(c.blobPath(digest)); err != nil || f != nil {
		return created, err // already here
	}
	repoKey, image, _ := strings.Cut(from, "/")
	if from == "" || !nameRe.MatchString(image) && image != "" {
		return nil, nil
	}
	src := prefix(image) + "blobs/" + digest
	if repoKey == c.req.Repo.Key {
		f, err := c.h.GetFile(src)
		if err != nil || f == nil {
			return nil, err
		}
		err = c.h.StageFile(sdk.StagedFile{Path: c.blobPath(digest), BlobDigest: f.BlobDigest, ContentType: mediaOctet,
			Metadata: servedMeta(digest), Overwrite: true})
		if err != nil {
			return nil, err
		}
		return created, nil
	}
	if err := sdk.MountBlob(c.h, repoKey, src, c.blobPath(digest), mediaOctet); err != nil {
		return nil, nil // unknown, unreadable or no import: fall back to an upload
	}
	return created, nil
}

// addChunk stages a request body as the next chunk file of session id.
func (c *call) addChunk(id string, s *session, body *sdk.Body) error {
	p := fmt.Sprintf("%s_uploads/%s/%d", prefix(c.r.image), id, len(s.Chunks))
	if err := c.h.StageFile(sdk.StagedFile{Path: p, BlobDigest: body.Digest, ContentType: mediaOctet, Overwrite: true}); err != nil {
		return err
	}
	s.Chunks = append(s.Chunks, p)
	s.Size += body.Size
	return nil
}

// checkRange enforces ordered chunks: Content-Range must start at the
// session's size (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-a-blob-in-chunks).
func (c *call) checkRange(s *session) *sdk.Response {
	cr := c.req.Header("Content-Range")
	if cr == "" {
		return nil
	}
	cr = strings.TrimPrefix(cr, "bytes ")
	a, b, ok := strings.Cut(cr, "-")
	start, err1 := strconv.ParseUint(a, 10, 64)
	end, err2 := strconv.ParseUint(b, 10, 64)
	var size uint64
	if c.req.Body != nil {
		size = c.req.Body.Size
	}
	if !ok || err1 != nil || err2 != nil || start != s.Size || end < start || end-start+1 != size {
		return ociError(416, codeBlobUploadInvalid, "chunk "+cr+" does not continue the upload at byte "+strconv.FormatUint(s.Size, 10),
			c.sessionHeaders(c.r.ref, s)...)
	}
	return nil
}

// patchUpload appends one chunk.
func (c *call) patchUpload(s *session) (*sdk.Response, error) {
	if resp := c.checkRange(s); resp != nil {
		return resp, nil
	}
	if c.req.Body != nil && c.req.Body.Size > 0 {
		if err := c.addChunk(c.r.ref, s, c.req.Body); err != nil {
			return nil, err
		}
		if err := c.saveSession(c.r.ref, s); err != nil {
			return nil, err
		}
	}
	return empty(202, c.sessionHeaders(c.r.ref, s)...), nil
}

// finishUpload closes a session with PUT ?digest= (and an optional last chunk).
func (c *call) finishUpload(s *session) (*sdk.Response, error) {
	d := c.q.Get("digest")
	alg, _, ok := parseDigest(d)
	if !ok {
		return ociError(400, codeDigestInvalid, "missing or invalid digest parameter "+strconv.Quote(d)), nil
	}
	if c.req.Body != nil && c.req.Body.Size > 0 {
		if resp := c.checkRange(s); resp != nil {
			return resp, nil
		}
	}
	var blob *sdk.Body
	switch {
	case len(s.Chunks) == 0:
		blob = c.req.Body
	case len(s.Chunks) == 1 && (c.req.Body == nil || c.req.Body.Size == 0):
		f, err := c.h.GetFile(s.Chunks[0])
		if err != nil {
			return nil, err
		}
		if f == nil {
			return ociError(404, codeBlobUploadUnknown, "upload chunk missing"), nil
		}
		blob = &sdk.Body{Digest: f.BlobDigest, Size: f.Size, SHA1: f.SHA1, MD5: f.MD5, SHA512: f.SHA512}
	default:
		var parts []string
		for _, p := range s.Chunks {
			f, err := c.h.GetFile(p)
			if err != nil {
				return nil, err
			}
			if f == nil {
				return ociError(404, codeBlobUploadUnknown, "upload chunk missing"), nil
			}
			parts = append(parts, f.BlobDigest)
		}
		if c.req.Body != nil && c.req.Body.Size > 0 {
			parts = append(parts, c.req.Body.Digest)
		}
		b, err := sdk.ConcatBlobs(c.h, parts)
		if err != nil {
			return nil, err
		}
		blob = &b
	}
	if blob != nil {
		got, err := c.digestOf(alg, *blob)
		if err != nil {
			return nil, err
		}
		if got != d {
			return ociError(400, codeDigestInvalid, "digest "+d+" does not match the uploaded content ("+got+")"), nil
		}
	}
	resp, err := c.storeBlob(d, blob)
	if err != nil || resp.Status >= 400 {
		return resp, err
	}
	return resp, c.closeSession(c.r.ref, s)
}

// storeBlob verifies body against digest d and stages it as a blob file.
func (c *call) storeBlob(d string, body *sdk.Body) (*sdk.Response, error) {
	alg, _, ok := parseDigest(d)
	if !ok {
		return ociError(400, codeDigestInvalid, "invalid digest "+strconv.Quote(d)), nil
	}
	if body == nil || body.Size == 0 {
		dg, err := c.h.PutBlob([]byte{})
		if err != nil {
			return nil, err
		}
		body = &sdk.Body{Digest: dg, SHA512: "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"}
	}
	got, err := c.digestOf(alg, *body)
	if err != nil {
		return nil, err
	}
	if got != d {
		return ociError(400, codeDigestInvalid, "digest "+d+" does not match the uploaded content ("+got+")"), nil
	}
	if err := c.h.StageFile(sdk.StagedFile{Path: c.blobPath(d), BlobDigest: body.Digest, ContentType: mediaOctet,
		Metadata: servedMeta(d), Overwrite: true}); err != nil {
		return nil, err
	}
	return empty(201, sdk.Header{Name: "Location", Value: c.apiPath() + "/blobs/" + d},
		sdk.Header{Name: "Docker-Content-Digest", Value: d}), nil
}
