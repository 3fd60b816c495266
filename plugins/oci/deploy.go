package oci

import (
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Deploy by path: an import from Artifactory sends each file of a Docker
// repository as a PUT of its bytes at its Artifactory path, below the
// repository's name (docs/import.md). Artifactory keeps the images as files
// (https://jfrog.com/help/r/jfrog-artifactory-documentation/docker-registry):
//
//	<image>/<tag>/manifest.json          the manifest pushed for the tag
//	<image>/<tag>/list.manifest.json     or the image index (multi-platform)
//	<image>/<tag>/sha256__<hex>          each blob it references (config, layers)
//	<image>/sha256__<hex>/manifest.json  a platform manifest of an index, by digest
//	<image>/_uploads/…                   unfinished uploads (not imported)
//
// The host sends a root mount's deploys to `/v2/<repository>/-/deploy/<path>`.
// That prefix cannot collide with the distribution routes: every component
// of an image name starts with [a-z0-9] (nameRe), so "-" is never the first
// segment of a name, and Handle tests the prefix before parse. Without it,
// Artifactory paths whose tag is "blobs", "manifests" or "referrers" (all
// valid tags) would parse as distribution routes: `web/manifests/manifest.json`
// is both the manifest of web:manifests and a push of the tag
// "manifest.json", and one of the two would be stored wrongly.
const deployPrefix = "-/deploy/"

const (
	layoutManifest = "manifest.json"
	layoutIndex    = "list.manifest.json"
	layoutBlob     = "sha256__"
)

// statusPending answers a deploy that depends on content not stored yet
// (a manifest whose blobs or platform manifests have not been deployed):
// 424 Failed Dependency (RFC 4918 section 11.4). The importer deploys such
// a file again once the repository's other files are in (docs/import.md).
const statusPending = 424

// deploy stores one file of Artifactory's image layout: a blob whose bytes
// hash to the digest its name gives, or a manifest or index under the tag
// (or digest) of its folder, validated and indexed exactly as a manifest
// PUT. What the name already holds (the blob, or the tag at the same
// manifest) answers 409, which an import reports as skipped.
func deploy(h sdk.Host, req *sdk.Request, p string) (*sdk.Response, error) {
	if req.Method != "PUT" {
		return ociError(405, codeUnsupported, "a deploy by path takes PUT only"), nil
	}
	segs := strings.Split(p, "/")
	for _, s := range segs[:len(segs)-1] {
		if s == "_uploads" {
			return ociError(409, codeUnsupported, "an unfinished upload of the source ("+s+"/): not imported"), nil
		}
	}
	if len(segs) < 3 {
		return ociError(400, codeNameInvalid, "not in the image layout <image>/<tag>/manifest.json or sha256__<digest>: "+p), nil
	}
	image, ref, file := strings.Join(segs[:len(segs)-2], "/"), segs[len(segs)-2], segs[len(segs)-1]
	if !nameRe.MatchString(image) {
		return ociError(400, codeNameInvalid, "invalid repository name "+req.Repo.Key+"/"+image), nil
	}
	isDigest := strings.HasPrefix(ref, layoutBlob)
	if isDigest {
		ref = "sha256:" + strings.TrimPrefix(ref, layoutBlob)
		if _, _, ok := parseDigest(ref); !ok {
			return ociError(400, codeDigestInvalid, "invalid digest folder "+segs[len(segs)-2]), nil
		}
	} else if !tagRe.MatchString(ref) {
		return ociError(400, codeManifestInvalid, "invalid tag "+ref), nil
	}
	c := &call{h: h, req: req, r: route{kind: "manifest", image: image, ref: ref}, missing: statusPending}
	switch {
	case file == layoutManifest || file == layoutIndex:
		return c.deployManifest(ref, isDigest, file == layoutIndex)
	case strings.HasPrefix(file, layoutBlob):
		return c.deployBlob("sha256:" + strings.TrimPrefix(file, layoutBlob))
	}
	return ociError(400, codeUnsupported, "not an image file (manifest.json, list.manifest.json or sha256__<digest>): "+file), nil
}

// deployBlob stores a blob of the image when its bytes hash to d.
func (c *call) deployBlob(d string) (*sdk.Response, error) {
	if _, _, ok := parseDigest(d); !ok {
		return ociError(400, codeDigestInvalid, "the file name gives no sha256 digest: "+d), nil
	}
	if c.req.Body != nil && c.req.Body.Size > 0 && "sha256:"+c.req.Body.Digest != d {
		return ociError(400, codeDigestInvalid, "the file's bytes hash to sha256:"+c.req.Body.Digest+", not to "+d+" as its name says"), nil
	}
	if f, err := c.h.GetFile(c.blobPath(d)); err != nil || f != nil {
		if err != nil {
			return nil, err
		}
		return ociError(409, codeUnsupported, "the blob "+d+" is stored already"), nil
	}
	return c.storeBlob(d, c.req.Body)
}

// deployManifest stores a manifest or index as putManifest does, with the
// manifest's own mediaType as its Content-Type (the import sends octets).
func (c *call) deployManifest(ref string, isDigest, index bool) (*sdk.Response, error) {
	body := c.req.Body
	if body == nil || body.Size == 0 || body.Size > maxManifestBytes {
		return c.putManifest(ref, isDigest) // its own answers for both
	}
	if cur, err := c.resolve(ref); err != nil {
		return nil, err
	} else if cur == "sha256:"+body.Digest {
		if f, err := c.h.GetFile(c.manifestPath(cur)); err != nil || f != nil {
			if err != nil {
				return nil, err
			}
			return ociError(409, codeUnsupported, ref+" is stored already with the digest "+cur), nil
		}
	}
	raw, err := c.h.ReadBlob(body.Digest, 0, uint32(body.Size))
	if err != nil {
		return nil, err
	}
	var m manifestDoc
	if err := json.Unmarshal(raw, &m); err != nil {
		return ociError(400, codeManifestInvalid, "manifest is not valid JSON: "+err.Error()), nil
	}
	ct := m.MediaType
	switch {
	case ct != "":
	case index || m.Manifests != nil:
		ct = mediaOCIIndex
	default:
		ct = mediaOCIManifest
	}
	req := *c.req
	req.Headers = []sdk.Header{{Name: "Content-Type", Value: ct}}
	req.RawQuery = ""
	c.req, c.q = &req, nil
	return c.putManifest(ref, isDigest)
}
