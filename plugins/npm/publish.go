package npm

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// publishDoc is the body of `PUT /NAME`: a packument with the new version
// and its tarball in `_attachments` (npm publish), or the whole packument
// with changed fields (npm deprecate, npm unpublish NAME@VERSION).
// https://github.com/npm/cli/blob/latest/workspaces/libnpmpublish/lib/publish.js
type publishDoc struct {
	Name     string                     `json:"name"`
	DistTags map[string]string          `json:"dist-tags"`
	Versions map[string]json.RawMessage `json:"versions"`
	Readme   string                     `json:"readme"`
}

// tarballMarker starts a stored dist.tarball: the packument replaces it with
// the repository's base URL when rendering, so stored metadata does not
// depend on the host name clients use.
const tarballMarker = `\u0000keeper:`

func put(h sdk.Host, req *sdk.Request, name string) (*sdk.Response, error) {
	body, spans, err := readPublish(h, req, maxPublishBody)
	if err != nil {
		return bodyError(err)
	}
	rest, atts, err := splitAttachments(body)
	if err != nil {
		return npmError(400, "publish document is not valid JSON: "+err.Error()), nil
	}
	var doc publishDoc
	if err := json.Unmarshal(rest, &doc); err != nil {
		return npmError(400, "publish document is not valid JSON: "+err.Error()), nil
	}
	if doc.Name != "" && doc.Name != name {
		return npmError(400, "document name "+doc.Name+" does not match the URL's package "+name), nil
	}
	used := 0
	for _, a := range atts {
		if _, ok := spanOf(a, spans); ok {
			used++
		}
	}
	if used != len(spans) {
		return npmError(413, "the publish document holds a string of more than "+strconv.Itoa(longString)+" bytes outside its attachment"), nil
	}
	if len(atts) > 0 {
		return publish(h, req, name, &doc, atts[0], len(atts), spans)
	}
	return modify(h, name, &doc)
}

func bodyError(err error) (*sdk.Response, error) {
	var se *sizeError
	var ue *userError
	switch {
	case errors.As(err, &se):
		return npmError(413, "request body exceeds the npm plugin's limit"), nil
	case errors.As(err, &ue):
		return npmError(400, ue.msg), nil
	}
	return nil, err
}

// publish stores one new version: tarball, version metadata and dist-tags.
func publish(h sdk.Host, req *sdk.Request, name string, doc *publishDoc, att attachment, natt int, spans []span) (*sdk.Response, error) {
	if len(doc.Versions) != 1 || natt != 1 {
		return npmError(400, "a publish must carry exactly one version and one attachment"), nil
	}
	var version string
	var raw json.RawMessage
	for v, r := range doc.Versions {
		version, raw = v, r
	}
	if err := validVersion(version); err != nil {
		return npmError(400, err.Error()), nil
	}
	var manifest map[string]json.RawMessage
	if err := json.Unmarshal(raw, &manifest); err != nil || manifest == nil {
		return npmError(400, "versions."+version+" is not a JSON object"), nil
	}
	if s := jsonString(manifest["name"]); s != name {
		return npmError(400, "versions."+version+".name is "+s+", not "+name), nil
	}
	if s := jsonString(manifest["version"]); s != version {
		return npmError(400, "versions."+version+".version is "+s+", not "+version), nil
	}
	path := tarballPath(name, version)
	if f, err := h.GetFile(path); err != nil {
		return nil, err
	} else if f != nil {
		return npmError(409, "cannot publish over the previously published versions: "+version), nil
	}

	digest, err := storeAttachment(h, req, att, spans)
	if err != nil {
		return bodyError(err)
	}
	dist, err := digests(h, digest)
	if err != nil {
		return nil, err
	}
	if msg := checkClientDist(manifest["dist"], dist); msg != "" {
		return npmError(400, msg), nil
	}
	files, unpacked, err := checkTarball(h, digest, name, version)
	if err != nil {
		return npmError(400, err.Error()), nil
	}

	distJSON, _ := json.Marshal(map[string]any{
		"integrity": dist.integrity, "shasum": dist.shasum, "fileCount": files, "unpackedSize": unpacked,
		"tarball": "TARBALL",
	})
	distJSON = bytes.Replace(distJSON, []byte(`"TARBALL"`), []byte(`"`+tarballMarker+jsonEscape(path)+`"`), 1)
	manifest["dist"] = distJSON
	manifest["_id"], _ = json.Marshal(name + "@" + version)
	if req.User != "" {
		manifest["_npmUser"], _ = json.Marshal(map[string]string{"name": req.User})
	}
	if _, ok := manifest["readme"]; !ok && doc.Readme != "" && len(doc.Readme) <= maxReadme {
		manifest["readme"], _ = json.Marshal(doc.Readme)
	}
	meta, err := json.Marshal(manifest)
	if err != nil {
		return npmError(400, "versions."+version+": "+err.Error()), nil
	}
	if len(meta) > maxVersionDoc {
		return npmError(413, "version metadata exceeds the npm plugin's limit"), nil
	}

	tags, err := loadTags(h, name)
	if err != nil {
		return nil, err
	}
	for tag, v := range doc.DistTags {
		if v == version && validTag(tag) == nil {
			tags[tag] = version
		}
	}
	if tags["latest"] == "" {
		tags["latest"] = version
	}
	if err := h.StageFile(sdk.StagedFile{Path: path, BlobDigest: digest, ContentType: ctTarball, Package: name, Version: version,
		Metadata: sdk.WithScan(nil, sdk.ScanLayout{Unpack: sdk.ScanTarGz, Mode: sdk.ScanRootfs})}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: name, Version: version, Metadata: meta}); err != nil {
		return nil, err
	}
	if err := saveTags(h, name, tags); err != nil {
		return nil, err
	}
	out, _ := json.Marshal(map[string]any{"ok": true, "id": name, "version": version})
	return jsonResp(201, out), nil
}

// maxReadme caps a readme kept in a version document.
const maxReadme = 256 << 10

// storeAttachment stores the tarball of att as a blob: a long one is decoded
// by the host straight from the request body, a short one here.
func storeAttachment(h sdk.Host, req *sdk.Request, att attachment, spans []span) (string, error) {
	sp, long := spanOf(att, spans)
	if !long {
		tgz, err := decodeAttachment(att)
		if err != nil {
			return "", err
		}
		return h.PutBlob(tgz)
	}
	b, err := sdk.DecodeBase64(h, sdk.BlobRange{Digest: req.Body.Digest, Offset: sp.off, Length: sp.n})
	if err != nil {
		return "", errf("attachment %s is not valid base64: %v", att.name, err)
	}
	if att.length > 0 && uint64(att.length) != b.Size {
		return "", errf("attachment %s: length %d does not match its %d bytes", att.name, att.length, b.Size)
	}
	if magic, err := h.ReadBlob(b.Digest, 0, 2); err != nil || len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return "", errf("attachment %s is not a gzip tarball", att.name)
	}
	return b.Digest, nil
}

func decodeAttachment(a attachment) ([]byte, error) {
	data := a.data
	if a.escaped {
		var s string
		if err := json.Unmarshal(append(append([]byte{'"'}, data...), '"'), &s); err != nil {
			return nil, errf("attachment %s is not a JSON string", a.name)
		}
		data = []byte(s)
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(data)))
	n, err := base64.StdEncoding.Decode(out, data)
	if err != nil {
		return nil, errf("attachment %s is not valid base64: %v", a.name, err)
	}
	out = out[:n]
	if a.length > 0 && a.length != int64(n) {
		return nil, errf("attachment %s: length %d does not match its %d bytes", a.name, a.length, n)
	}
	if n < 2 || out[0] != 0x1f || out[1] != 0x8b {
		return nil, errf("attachment %s is not a gzip tarball", a.name)
	}
	return out, nil
}

type distDigests struct{ integrity, shasum string }

// digests hashes the stored tarball blob (the bytes clients download).
func digests(h sdk.Host, digest string) (distDigests, error) {
	s512, err := h.Hash(sdk.SHA512, sdk.Source{Blob: digest})
	if err != nil {
		return distDigests{}, err
	}
	s1, err := h.Hash(sdk.SHA1, sdk.Source{Blob: digest})
	if err != nil {
		return distDigests{}, err
	}
	raw, err := hex.DecodeString(s512)
	if err != nil {
		return distDigests{}, err
	}
	return distDigests{integrity: "sha512-" + base64.StdEncoding.EncodeToString(raw), shasum: s1}, nil
}

// checkClientDist compares the client's dist.integrity (an SRI list) and
// dist.shasum with the digests of the stored bytes; "" when they agree.
// https://w3c.github.io/webappsec-subresource-integrity/#the-integrity-attribute
func checkClientDist(raw json.RawMessage, got distDigests) string {
	if len(raw) == 0 {
		return ""
	}
	var d struct {
		Integrity string `json:"integrity"`
		Shasum    string `json:"shasum"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return "dist is not a JSON object"
	}
	if d.Shasum != "" && !strings.EqualFold(d.Shasum, got.shasum) {
		return "dist.shasum " + d.Shasum + " does not match the tarball (" + got.shasum + ")"
	}
	for _, sri := range strings.Fields(d.Integrity) {
		if alg, _, _ := strings.Cut(sri, "-"); alg == "sha512" {
			if v, _, _ := strings.Cut(sri, "?"); v != got.integrity {
				return "dist.integrity " + v + " does not match the tarball (" + got.integrity + ")"
			}
		}
	}
	return ""
}

// checkTarball lists the tarball (bounded entries and unpacked size) and
// checks that its package.json names the published package and version.
func checkTarball(h sdk.Host, digest, name, version string) (files int, unpacked uint64, err error) {
	entries, err := h.ArchiveList(digest, sdk.ArchiveTarGz, maxTarEntries)
	if err != nil {
		return 0, 0, errf("tarball is not a readable gzip tar: %v", err)
	}
	manifest := ""
	for _, e := range entries {
		if e.IsDir {
			continue
		}
		files++
		unpacked += e.Size
		if dir, file, ok := strings.Cut(e.Name, "/"); ok && dir != "" && file == "package.json" && manifest == "" {
			manifest = e.Name
		}
	}
	if unpacked > maxUnpacked {
		return 0, 0, errf("tarball unpacks to more than %d bytes", maxUnpacked)
	}
	if manifest == "" {
		return 0, 0, errf("tarball has no package/package.json")
	}
	b, err := h.ArchiveRead(digest, sdk.ArchiveTarGz, manifest, maxManifest)
	if err != nil {
		return 0, 0, errf("tarball %s: %v", manifest, err)
	}
	var pj struct{ Name, Version string }
	if err := json.Unmarshal(b, &pj); err != nil {
		return 0, 0, errf("tarball %s is not valid JSON", manifest)
	}
	if pj.Name != name || pj.Version != version {
		return 0, 0, errf("tarball %s is %s@%s, not %s@%s", manifest, pj.Name, pj.Version, name, version)
	}
	return files, unpacked, nil
}

// validVersion accepts semver-shaped strings: https://semver.org/#backusnaur-form-grammar-for-valid-semver-versions
// (checked loosely: a leading digit and only [0-9A-Za-z.+-]).
func validVersion(v string) error {
	if v == "" || len(v) > 256 || v[0] < '0' || v[0] > '9' {
		return errf("invalid version %q", v)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '+') {
			return errf("invalid version %q", v)
		}
	}
	return nil
}

// validTag refuses tags that would read as versions or break URLs.
func validTag(t string) error {
	if t == "" || len(t) > 128 || validVersion(t) == nil || strings.ContainsAny(t, "/%?# ") {
		return errf("invalid dist-tag %q", t)
	}
	return nil
}

func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// jsonEscape returns s encoded as the inside of a JSON string.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
