package oci

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// maxManifestBytes is the largest manifest accepted; the spec asks
// registries to accept at least 4 MiB,
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-manifests.
const maxManifestBytes = 4 << 20

// descriptor is an OCI content descriptor,
// https://github.com/opencontainers/image-spec/blob/main/descriptor.md.
type descriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

// manifestDoc holds the fields of image manifests and indexes (OCI and
// Docker schema 2) the registry checks.
type manifestDoc struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	ArtifactType  string            `json:"artifactType"`
	Config        *descriptor       `json:"config"`
	Layers        []descriptor      `json:"layers"`
	Manifests     []descriptor      `json:"manifests"`
	Subject       *descriptor       `json:"subject"`
	Annotations   map[string]string `json:"annotations"`
}

// manifestMeta is kept as the manifest file's metadata.
type manifestMeta struct {
	Subject string `json:"subject,omitempty"`
	// Served are the headers the host's fast path sends with the stored
	// manifest (GET by digest never reaches the plugin); see servedMeta.
	Served [][2]string `json:"served_headers,omitempty"`
	// Scan asks the host to scan an image manifest with its blobs.
	Scan *scanLayout `json:"scan,omitempty"`
}

// manifestTTLMs lets the host cache a manifest answer the plugin gives (a
// tag pushed before tag files existed, tagfiles.go); the host keys it by
// the repository generation, so a push or delete is seen at once.
const manifestTTLMs = 10 * 60 * 1000

func (c *call) manifestPath(digest string) string { return prefix(c.r.image) + "manifests/" + digest }
func (c *call) tagKey(tag string) string          { return c.r.image + ":" + tag }

// resolve maps a tag or digest reference to a manifest digest ("" if unknown).
func (c *call) resolve(ref string) (string, error) {
	if strings.Contains(ref, ":") {
		return ref, nil
	}
	b, ok, err := c.h.KVGet("tags", c.tagKey(ref))
	if err != nil || !ok {
		return "", err
	}
	return string(b), nil
}

// manifest dispatches /v2/<name>/manifests/<reference>.
func (c *call) manifest() (*sdk.Response, error) {
	ref := c.r.ref
	isDigest := strings.Contains(ref, ":")
	if isDigest {
		if _, _, ok := parseDigest(ref); !ok {
			return ociError(400, codeDigestInvalid, "invalid digest "+ref), nil
		}
	} else if !tagRe.MatchString(ref) {
		return ociError(400, codeManifestInvalid, "invalid tag "+strconv.Quote(ref)), nil
	}
	switch c.method() {
	case "GET", "HEAD":
		return c.getManifest(ref)
	case "PUT":
		return c.putManifest(ref, isDigest)
	case "DELETE":
		return c.deleteManifest(ref, isDigest)
	}
	return ociError(405, codeUnsupported, "method "+c.method()+" not allowed on manifests"), nil
}

func (c *call) getManifest(ref string) (*sdk.Response, error) {
	d, err := c.resolve(ref)
	if err != nil {
		return nil, err
	}
	if d == "" {
		return ociError(404, codeManifestUnknown, "manifest unknown: "+ref), nil
	}
	f, err := c.h.GetFile(c.manifestPath(d))
	if err != nil {
		return nil, err
	}
	if f == nil {
		return ociError(404, codeManifestUnknown, "manifest unknown: "+ref), nil
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: f.Path, CacheTTLMs: manifestTTLMs, Headers: []sdk.Header{
		{Name: "Content-Type", Value: f.ContentType}, {Name: "Docker-Content-Digest", Value: d}}}, nil
}

// putManifest validates and stores a manifest, tags it and indexes its subject.
func (c *call) putManifest(ref string, isDigest bool) (*sdk.Response, error) {
	body := c.req.Body
	if body == nil || body.Size == 0 {
		return ociError(400, codeManifestInvalid, "manifest body missing"), nil
	}
	if body.Size > maxManifestBytes {
		return ociError(413, codeSizeInvalid, "manifest exceeds "+strconv.Itoa(maxManifestBytes)+" bytes"), nil
	}
	alg := "sha256"
	if isDigest {
		alg, _, _ = parseDigest(ref)
	}
	d, err := c.digestOf(alg, *body)
	if err != nil {
		return nil, err
	}
	if isDigest && d != ref {
		return ociError(400, codeDigestInvalid, "manifest digest "+d+" does not match reference "+ref), nil
	}
	raw, err := c.h.ReadBlob(body.Digest, 0, uint32(body.Size))
	if err != nil {
		return nil, err
	}
	var m manifestDoc
	if err := json.Unmarshal(raw, &m); err != nil {
		return ociError(400, codeManifestInvalid, "manifest is not valid JSON: "+err.Error()), nil
	}
	// Image manifests and indexes: "schemaVersion ... MUST be 2"
	// (https://github.com/opencontainers/image-spec/blob/main/manifest.md#image-manifest-property-descriptions,
	// image-index.md; Docker schema 2 likewise). Schema 1 is not accepted.
	if m.SchemaVersion != 2 {
		return ociError(400, codeManifestInvalid, "schemaVersion must be 2"), nil
	}
	ct := c.req.Header("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	if m.MediaType != "" && ct != "" && ct != m.MediaType {
		return ociError(400, codeManifestInvalid, "Content-Type "+ct+" does not match the manifest's mediaType "+m.MediaType), nil
	}
	mediaType := m.MediaType
	if mediaType == "" {
		mediaType = ct
	}
	if resp, err := c.checkReferences(&m, mediaType); resp != nil || err != nil {
		return resp, err
	}
	meta := manifestMeta{Served: servedHeaders(d), Scan: imageScan(&m, mediaType)}
	if m.Subject != nil {
		meta.Subject = m.Subject.Digest
	}
	mb, _ := json.Marshal(meta)
	if err := c.h.StageFile(sdk.StagedFile{Path: c.manifestPath(d), BlobDigest: body.Digest, ContentType: mediaType,
		Package: c.name(), Metadata: mb, Overwrite: true}); err != nil {
		return nil, err
	}
	if !isDigest {
		if err := c.putTag(ref, d, body.Digest, mediaType); err != nil {
			return nil, err
		}
	}
	hs := []sdk.Header{{Name: "Location", Value: c.apiPath() + "/manifests/" + d}, {Name: "Docker-Content-Digest", Value: d}}
	for _, tag := range c.q["tag"] { // push by digest with tags as parameters
		if !tagRe.MatchString(tag) {
			return ociError(400, codeManifestInvalid, "invalid tag "+strconv.Quote(tag)), nil
		}
		if err := c.putTag(tag, d, body.Digest, mediaType); err != nil {
			return nil, err
		}
		hs = append(hs, sdk.Header{Name: "OCI-Tag", Value: tag})
	}
	if m.Subject != nil {
		if _, _, ok := parseDigest(m.Subject.Digest); !ok {
			return ociError(400, codeManifestInvalid, "invalid subject digest"), nil
		}
		desc := descriptor{MediaType: mediaType, Digest: d, Size: int64(body.Size), ArtifactType: m.ArtifactType, Annotations: m.Annotations}
		if desc.ArtifactType == "" && m.Config != nil {
			desc.ArtifactType = m.Config.MediaType
		}
		db, _ := json.Marshal(desc)
		if err := c.h.KVPut("referrers", c.r.image+"@"+m.Subject.Digest+"@"+d, db); err != nil {
			return nil, err
		}
		hs = append(hs, sdk.Header{Name: "OCI-Subject", Value: m.Subject.Digest})
	}
	return empty(201, hs...), nil
}

// nonDistributable reports layer media types whose blobs are not pushed.
func nonDistributable(mt string) bool {
	return strings.Contains(mt, "nondistributable") || strings.Contains(mt, "foreign")
}

// checkReferences rejects manifests naming blobs or manifests this name
// does not store (MANIFEST_BLOB_UNKNOWN).
func (c *call) checkReferences(m *manifestDoc, mediaType string) (*sdk.Response, error) {
	var blobs []descriptor
	var children []descriptor
	switch mediaType {
	case mediaOCIIndex, mediaDockerList:
		children = m.Manifests
	default:
		if m.Config != nil {
			blobs = append(blobs, *m.Config)
		} else if mediaType == mediaOCIManifest || mediaType == mediaDockerImage {
			return ociError(400, codeManifestInvalid, "image manifest without config"), nil
		}
		for _, l := range m.Layers {
			if !nonDistributable(l.MediaType) {
				blobs = append(blobs, l)
			}
		}
	}
	for _, l := range m.Layers {
		if l.Size < 0 {
			return ociError(400, codeManifestInvalid, "negative layer size for "+strconv.Quote(l.Digest)), nil
		}
	}
	for _, b := range blobs {
		if resp, err := c.checkDescriptor(b, c.blobPath(b.Digest), "blob"); resp != nil || err != nil {
			return resp, err
		}
	}
	for _, ch := range children {
		if resp, err := c.checkDescriptor(ch, c.manifestPath(ch.Digest), "manifest"); resp != nil || err != nil {
			return resp, err
		}
	}
	return nil, nil
}

// checkDescriptor requires a valid digest naming content this name stores,
// whose stored size equals the descriptor's size: "size ... specifies the
// size, in bytes, of the raw content" and content "MUST be verified" against
// it (https://github.com/opencontainers/image-spec/blob/main/descriptor.md#properties).
func (c *call) checkDescriptor(d descriptor, path, what string) (*sdk.Response, error) {
	if _, _, ok := parseDigest(d.Digest); !ok {
		return ociError(400, codeManifestInvalid, "invalid descriptor digest "+strconv.Quote(d.Digest)), nil
	}
	f, err := c.h.GetFile(path)
	if err != nil {
		return nil, err
	}
	if f == nil {
		status := 400
		if c.missing != 0 {
			status = c.missing
		}
		return ociError(status, codeManifestBlobUnknown, what+" unknown to registry: "+d.Digest), nil
	}
	if d.Size < 0 || uint64(d.Size) != f.Size {
		return ociError(400, codeManifestInvalid, fmt.Sprintf("descriptor size %d of %s %s does not match its stored size %d", d.Size, what, d.Digest, f.Size)), nil
	}
	return nil, nil
}

// deleteManifest removes a tag, or a manifest with its tags and referrer
// entry; a tag goes with its tag file (tagfiles.go).
func (c *call) deleteManifest(ref string, isDigest bool) (*sdk.Response, error) {
	if !isDigest {
		_, ok, err := c.h.KVGet("tags", c.tagKey(ref))
		if err != nil {
			return nil, err
		}
		if !ok {
			return ociError(404, codeManifestUnknown, "tag unknown: "+ref), nil
		}
		return empty(202), c.dropTag(ref)
	}
	f, err := c.h.GetFile(c.manifestPath(ref))
	if err != nil {
		return nil, err
	}
	if f == nil {
		return ociError(404, codeManifestUnknown, "manifest unknown: "+ref), nil
	}
	if err := c.h.StageDelete(f.Path); err != nil {
		return nil, err
	}
	var meta manifestMeta
	if json.Unmarshal(f.Metadata, &meta) == nil && meta.Subject != "" {
		if err := c.h.KVDelete("referrers", c.r.image+"@"+meta.Subject+"@"+ref); err != nil {
			return nil, err
		}
	}
	if err := c.dropTagsOf(ref); err != nil {
		return nil, err
	}
	return empty(202), nil
}

// tags lists tags with n/last pagination and a Link header,
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags.
func (c *call) tags() (*sdk.Response, error) {
	if c.method() != "GET" && c.method() != "HEAD" {
		return ociError(405, codeUnsupported, "method "+c.method()+" not allowed on tags"), nil
	}
	n := 1000
	if s := c.q.Get("n"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			return ociError(400, codeUnsupported, "invalid n "+strconv.Quote(s)), nil
		}
		n = min(v, 1000)
	}
	pre := c.r.image + ":"
	after := pre
	if last := c.q.Get("last"); last != "" {
		after = pre + last
	}
	tags := []string{}
	more := false
	if n > 0 {
		kvs, err := c.h.KVList("tags", pre, after, uint32(n+1))
		if err != nil {
			return nil, err
		}
		for i, kv := range kvs {
			if i == n {
				more = true
				break
			}
			tags = append(tags, strings.TrimPrefix(kv.Key, pre))
		}
	}
	if len(tags) == 0 && c.q.Get("last") == "" && n > 0 {
		fs, err := c.h.ListFiles(prefix(c.r.image)+"manifests/", "", 1, "")
		if err != nil {
			return nil, err
		}
		if len(fs) == 0 {
			return ociError(404, codeNameUnknown, "repository name not known to registry: "+c.name()), nil
		}
	}
	var hs []sdk.Header
	if more {
		hs = append(hs, sdk.Header{Name: "Link", Value: "<" + c.apiPath() + "/tags/list?n=" + strconv.Itoa(n) +
			"&last=" + tags[len(tags)-1] + `>; rel="next"`})
	}
	return jsonResponse(200, "application/json", map[string]any{"name": c.name(), "tags": tags}, hs...), nil
}

// referrers lists manifests whose subject is the digest, filtered by
// artifactType,
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers.
func (c *call) referrers() (*sdk.Response, error) {
	if c.method() != "GET" && c.method() != "HEAD" {
		return ociError(405, codeUnsupported, "method "+c.method()+" not allowed on referrers"), nil
	}
	if _, _, ok := parseDigest(c.r.ref); !ok {
		return ociError(400, codeDigestInvalid, "invalid digest "+c.r.ref), nil
	}
	filter := c.q.Get("artifactType")
	pre := c.r.image + "@" + c.r.ref + "@"
	list := []descriptor{}
	after := ""
	for {
		kvs, err := c.h.KVList("referrers", pre, after, 1000)
		if err != nil {
			return nil, err
		}
		for _, kv := range kvs {
			var d descriptor
			if json.Unmarshal(kv.Value, &d) != nil {
				continue
			}
			if filter == "" || d.ArtifactType == filter {
				list = append(list, d)
			}
		}
		if len(kvs) < 1000 || len(list) >= 10000 {
			break
		}
		after = kvs[len(kvs)-1].Key
	}
	var hs []sdk.Header
	if filter != "" {
		hs = append(hs, sdk.Header{Name: "OCI-Filters-Applied", Value: "artifactType"})
	}
	idx := map[string]any{"schemaVersion": 2, "mediaType": mediaOCIIndex, "manifests": list}
	return jsonResponse(200, mediaOCIIndex, idx, hs...), nil
}
