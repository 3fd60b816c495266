package composer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// record is what a version keeps: its metadata object (the composer.json
// fields the composer 2 format carries, compact JSON) and its zip.
type record struct {
	Name    string                     `json:"name"`
	Version string                     `json:"version"`
	Norm    string                     `json:"norm"`
	Dev     bool                       `json:"dev,omitempty"`
	Fields  map[string]json.RawMessage `json:"fields"`
	Path    string                     `json:"path"`
	SHA1    string                     `json:"sha1"`
	// The full p2 version object in three pieces, its sort key and the
	// dev mark (assembled.go); absent in records stored before.
	P2Key string `json:"p2key,omitempty"`
	P2A   string `json:"p2a,omitempty"`
	P2B   string `json:"p2b,omitempty"`
	P2C   string `json:"p2c,omitempty"`
	P2Dev string `json:"p2dev,omitempty"`
}

// copied are the composer.json keys the metadata carries
// (https://getcomposer.org/doc/04-schema.md).
var copied = []string{"description", "keywords", "homepage", "license", "authors", "type", "require", "require-dev",
	"conflict", "replace", "provide", "suggest", "autoload", "autoload-dev", "include-path", "target-dir", "bin",
	"extra", "support", "funding", "abandoned"}

func upload(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Body == nil || req.Body.Size == 0 {
		return jsonError(400, "the request has no zip"), nil
	}
	if max := configLimit(req.Repo, "max_zip_bytes", defaultMaxZip); req.Body.Size > max {
		return jsonError(413, fmt.Sprintf("the zip has %d bytes, more than the limit of %d bytes", req.Body.Size, max)), nil
	}
	q, err := url.ParseQuery(req.RawQuery)
	if err != nil {
		return jsonError(400, "the query is not valid"), nil
	}
	entries, err := h.ArchiveList(req.Body.Digest, sdk.ArchiveZip, maxEntries)
	if err != nil {
		return jsonError(400, "the upload is not a readable zip within the limits: "+err.Error()), nil
	}
	manifest, msg := findManifest(entries, configLimit(req.Repo, "max_unpacked_bytes", defaultMaxUnpacked))
	if msg != "" {
		return jsonError(400, msg), nil
	}
	raw, err := h.ArchiveRead(req.Body.Digest, sdk.ArchiveZip, manifest, maxComposerJSON)
	if err != nil {
		return jsonError(400, "composer.json cannot be read within "+strconv.Itoa(maxComposerJSON)+" bytes: "+err.Error()), nil
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return jsonError(400, "composer.json is not a JSON object: "+err.Error()), nil
	}
	var name, version string
	_ = json.Unmarshal(doc["name"], &name)
	_ = json.Unmarshal(doc["version"], &version)
	if !nameRe.MatchString(name) || len(name) > 200 {
		return jsonError(400, fmt.Sprintf("composer.json name %q is not a valid package name (lower-case vendor/name)", name)), nil
	}
	if qv := q.Get("version"); qv != "" {
		if version != "" && version != qv {
			return jsonError(400, fmt.Sprintf("the version %q of the request does not match composer.json's %q", qv, version)), nil
		}
		version = qv
	}
	if version == "" {
		return jsonError(400, "no version: give ?version= or a version in composer.json"), nil
	}
	norm, dev, ok := normalizeVersion(version)
	if !ok {
		return jsonError(400, fmt.Sprintf("version %q is not a valid Composer version", version)), nil
	}
	rec := record{Name: name, Version: version, Norm: norm, Dev: dev, Fields: map[string]json.RawMessage{},
		Path: distPath(name, version)}
	for _, k := range copied {
		if v, ok := doc[k]; ok && string(v) != "null" {
			rec.Fields[k] = compact(v)
		}
	}
	if _, ok := rec.Fields["type"]; !ok {
		rec.Fields["type"] = json.RawMessage(`"library"`)
	}
	if f, err := h.GetFile(rec.Path); err != nil {
		return nil, err
	} else if f != nil {
		return jsonError(409, "version "+version+" of "+name+" already exists"), nil
	}
	if rec.SHA1, err = h.Hash(sdk.SHA1, sdk.Source{Blob: req.Body.Digest}); err != nil {
		return nil, err
	}
	storeP2(&rec)
	meta, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	if err := h.StageFile(sdk.StagedFile{Path: rec.Path, BlobDigest: req.Body.Digest, ContentType: "application/zip",
		Package: name, Version: version}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: name, Version: version, Metadata: meta}); err != nil {
		return nil, err
	}
	b, _ := json.Marshal(map[string]string{"status": "created", "name": name, "version": version,
		"dist": req.Repo.BaseURL + "/" + rec.Path})
	return jsonResponse(201, b, 0), nil
}

// findManifest returns composer.json's entry name: at the root or in the
// zip's single top-level directory (as GitHub archives hold it); it
// refuses absolute or '..' names and too much content.
func findManifest(entries []sdk.ArchiveEntry, maxUnpacked uint64) (string, string) {
	var total uint64
	tops := map[string]bool{}
	names := map[string]bool{}
	for _, e := range entries {
		n := e.Name
		if strings.HasPrefix(n, "/") || strings.Contains(n, "\\") || strings.Contains(n, ":") {
			return "", fmt.Sprintf("the zip has an absolute entry name %q", n)
		}
		for _, seg := range strings.Split(n, "/") {
			if seg == ".." {
				return "", fmt.Sprintf("the zip has an entry %q with a '..' segment", n)
			}
		}
		total += e.Size
		if total > maxUnpacked {
			return "", fmt.Sprintf("the zip unpacks to more than %d bytes", maxUnpacked)
		}
		top, _, _ := strings.Cut(n, "/")
		tops[top] = true
		if !e.IsDir {
			names[n] = true
		}
	}
	if names["composer.json"] {
		return "composer.json", ""
	}
	if len(tops) == 1 {
		for top := range tops {
			if names[top+"/composer.json"] {
				return top + "/composer.json", ""
			}
		}
	}
	return "", "the zip has no composer.json at its root or in its single top-level directory"
}

// distPath is where a version's zip is stored.
func distPath(name, version string) string {
	return "dists/" + name + "/" + version + "/" + strings.ReplaceAll(name, "/", "-") + "-" + version + ".zip"
}

// compact removes insignificant space, keeping the key order.
func compact(v json.RawMessage) json.RawMessage {
	var out bytes.Buffer
	if json.Compact(&out, v) != nil {
		return v
	}
	return out.Bytes()
}

func configLimit(repo *sdk.RepoContext, key string, def uint64) uint64 {
	if v, err := strconv.ParseUint(repo.ConfigValue(key), 10, 64); err == nil && v > 0 {
		return v
	}
	return def
}
