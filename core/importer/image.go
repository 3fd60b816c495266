package importer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/ports"
)

// Artifactory keeps the images of a container repository as files
// (https://jfrog.com/help/r/jfrog-artifactory-documentation/docker-registry,
// "the layout of a docker repository"):
//
//	<image>/<tag>/manifest.json          the manifest pushed for the tag
//	<image>/<tag>/list.manifest.json     or the image index (multi-platform)
//	<image>/<tag>/sha256__<hex>          each blob it references (config, layers)
//	<image>/sha256__<hex>/manifest.json  a platform manifest of an index, by digest
//	<image>/_uploads/…                   unfinished uploads (not imported)
//
// A root-mounted format takes them through its own push protocol, the
// distribution API (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#push):
// each blob as a monolithic upload (POST …/blobs/uploads/?digest=), then
// the manifest as PUT …/manifests/<tag or digest>. The importer sends the
// blobs of a repository before its manifests (see deployOrder).
const (
	imageManifest = "manifest.json"
	imageIndex    = "list.manifest.json"
	blobPrefix    = "sha256__"
	// maxManifest bounds a manifest read into memory (the distribution
	// spec lets registries refuse manifests above 4 MiB).
	maxManifest = 4 << 20
)

// deployOrder ranks a file of a repository: blobs and other files first,
// then manifests by digest (an index's platforms), then manifests by tag,
// then indexes, so each manifest finds what it references stored.
func deployOrder(p string) int {
	dir, file := splitLast(p)
	_, ref := splitLast(dir)
	switch {
	case file == imageIndex:
		return 3
	case file == imageManifest && strings.HasPrefix(ref, blobPrefix):
		return 1
	case file == imageManifest:
		return 2
	}
	return 0
}

func splitLast(p string) (string, string) {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i], p[i+1:]
	}
	return "", p
}

// deployImage pushes one file of the image layout through the
// distribution API below base (the mount and the repository key). What
// the name already holds (same blob, or the tag at the same digest) is a
// *ports.ConflictError, reported as skipped.
func (n NativeDeployer) deployImage(ctx context.Context, repo ports.Repository, base string, segs []string, body io.Reader) error {
	if len(segs) < 3 {
		return &SkipError{Reason: "not in the image layout (<image>/<tag>/manifest.json or sha256__<digest>)"}
	}
	image, ref, file := segs[:len(segs)-2], segs[len(segs)-2], segs[len(segs)-1]
	for _, s := range segs[:len(segs)-1] {
		if strings.HasPrefix(s, "_") {
			return &SkipError{Reason: "an unfinished upload of the source (" + s + "/): not imported"}
		}
	}
	name := base
	for _, s := range image {
		name += "/" + url.PathEscape(s)
	}
	if strings.HasPrefix(ref, blobPrefix) {
		ref = "sha256:" + strings.TrimPrefix(ref, blobPrefix)
	}
	switch {
	case file == imageManifest || file == imageIndex:
		return n.pushManifest(ctx, repo, name, ref, body)
	case strings.HasPrefix(file, blobPrefix) && isHex64(strings.TrimPrefix(file, blobPrefix)):
		digest := "sha256:" + strings.TrimPrefix(file, blobPrefix)
		if n.exists(ctx, name+"/blobs/"+digest, "") {
			return &ports.ConflictError{Message: "the blob " + digest + " is stored already"}
		}
		_, err := n.send(ctx, repo, &dispatch.Request{Method: "POST", EscapedPath: name + "/blobs/uploads/", RawQuery: "digest=" + url.QueryEscape(digest),
			Header: map[string][]string{"Content-Type": {"application/octet-stream"}}, Body: body}, 201)
		return err
	}
	return &SkipError{Reason: "not an image file (manifest.json, list.manifest.json or sha256__<digest>)"}
}

// pushManifest PUTs the manifest by tag (or by digest), with its own
// media type as the Content-Type.
func (n NativeDeployer) pushManifest(ctx context.Context, repo ports.Repository, name, ref string, body io.Reader) error {
	raw, err := io.ReadAll(io.LimitReader(body, maxManifest+1))
	if err != nil {
		return err
	}
	if len(raw) > maxManifest {
		return &RefusedError{Message: fmt.Sprintf("the manifest is larger than %d bytes", maxManifest)}
	}
	sum := sha256.Sum256(raw)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	if strings.HasPrefix(ref, "sha256:") && ref != digest {
		return fmt.Errorf("the manifest stored as %s has the digest %s: %w", ref, digest, ErrChecksumMismatch)
	}
	if n.exists(ctx, name+"/manifests/"+url.PathEscape(ref), digest) {
		return &ports.ConflictError{Message: ref + " is stored already with the digest " + digest}
	}
	var m struct {
		MediaType string `json:"mediaType"`
	}
	h := map[string][]string{}
	if json.Unmarshal(raw, &m) == nil && m.MediaType != "" {
		h["Content-Type"] = []string{m.MediaType}
	}
	_, err = n.send(ctx, repo, &dispatch.Request{Method: "PUT", EscapedPath: name + "/manifests/" + url.PathEscape(ref), Header: h,
		Body: bytes.NewReader(raw)}, 201)
	return err
}

// exists reports whether path answers 200 (to a HEAD); with digest set,
// whether a GET of it answers the bytes of that digest (the manifest the
// tag names now).
func (n NativeDeployer) exists(ctx context.Context, path, digest string) bool {
	req := &dispatch.Request{Method: "HEAD", EscapedPath: path}
	if digest != "" {
		req.Method = "GET"
	}
	resp, err := n.Mounts.Serve(auth.WithSubject(ctx, n.By), req)
	if err != nil || resp.Status != 200 {
		if err == nil && resp.Stored != nil {
			resp.Stored.Content.Close()
		}
		return false
	}
	body := io.Reader(bytes.NewReader(resp.Body))
	if resp.Stored != nil {
		defer resp.Stored.Content.Close()
		body = resp.Stored.Content
	}
	if digest == "" {
		return true
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(body, maxManifest+1)); err != nil {
		return false
	}
	return "sha256:"+hex.EncodeToString(h.Sum(nil)) == digest
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
