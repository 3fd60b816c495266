package npm

import (
	"encoding/json"
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func loadTags(h sdk.Host, name string) (map[string]string, error) {
	tags := map[string]string{}
	b, ok, err := h.KVGet(nsTags, name)
	if err != nil || !ok {
		return tags, err
	}
	if err := json.Unmarshal(b, &tags); err != nil || tags == nil {
		tags = map[string]string{}
	}
	return tags, nil
}

func saveTags(h sdk.Host, name string, tags map[string]string) error {
	if len(tags) == 0 {
		return h.KVDelete(nsTags, name)
	}
	b, _ := json.Marshal(tags)
	return h.KVPut(nsTags, name, b)
}

// listVersions returns every version of name in version-string order.
func listVersions(h sdk.Host, name string) ([]sdk.VersionInfo, error) {
	var all []sdk.VersionInfo
	err := sdk.EachVersion(h, name, maxVersions, func(v sdk.VersionInfo) error { all = append(all, v); return nil })
	return all, err
}

// newest returns the most recently published version among vs, skipping skip.
func newest(vs []sdk.VersionInfo, skip string) string {
	best, at := "", int64(-1)
	for _, v := range vs {
		if v.Version != skip && v.CreatedMs >= at {
			best, at = v.Version, v.CreatedMs
		}
	}
	return best
}

// distTags serves /-/package/NAME/dist-tags[/TAG] (npm dist-tag ls/add/rm).
// https://github.com/npm/cli/blob/latest/lib/commands/dist-tag.js
func distTags(h sdk.Host, req *sdk.Request, rest string) (*sdk.Response, error) {
	i := strings.Index(rest, "/dist-tags")
	if i < 0 {
		return npmError(404, "unknown endpoint"), nil
	}
	name, err := url.PathUnescape(rest[:i])
	if err != nil || validName(name) != nil {
		return npmError(400, "invalid package name"), nil
	}
	tag := strings.TrimPrefix(strings.TrimPrefix(rest[i:], "/dist-tags"), "/")
	if tag, err = url.PathUnescape(tag); err != nil {
		return npmError(400, "invalid tag"), nil
	}
	tags, err := loadTags(h, name)
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return npmError(404, "package "+name+" not found"), nil
	}
	switch {
	case tag == "" && (req.Method == "GET" || req.Method == "HEAD"):
		b, _ := json.Marshal(tags)
		return jsonResp(200, b), nil
	case tag != "" && (req.Method == "GET" || req.Method == "HEAD"):
		v, ok := tags[tag]
		if !ok {
			return npmError(404, "dist-tag "+tag+" not found"), nil
		}
		b, _ := json.Marshal(v)
		return jsonResp(200, b), nil
	case tag != "" && (req.Method == "PUT" || req.Method == "POST"):
		if err := validTag(tag); err != nil {
			return npmError(400, err.Error()), nil
		}
		body, err := readBody(h, req, maxDocBody)
		if err != nil {
			return bodyError(err)
		}
		var version string
		if err := json.Unmarshal(body, &version); err != nil {
			return npmError(400, "body must be a JSON string naming a version"), nil
		}
		f, err := h.GetFile(tarballPath(name, version))
		if err != nil {
			return nil, err
		}
		if f == nil {
			return npmError(404, "version "+version+" of "+name+" not found"), nil
		}
		tags[tag] = version
		if err := saveTags(h, name, tags); err != nil {
			return nil, err
		}
		return tagsOK(tags), nil
	case tag != "" && req.Method == "DELETE":
		if tag == "latest" {
			return npmError(400, "the latest dist-tag cannot be removed"), nil
		}
		if _, ok := tags[tag]; !ok {
			return npmError(404, "dist-tag "+tag+" not found"), nil
		}
		delete(tags, tag)
		if err := saveTags(h, name, tags); err != nil {
			return nil, err
		}
		return tagsOK(tags), nil
	}
	return npmError(405, "method "+req.Method+" not allowed on dist-tags"), nil
}

func tagsOK(tags map[string]string) *sdk.Response {
	b, _ := json.Marshal(map[string]any{"ok": true, "dist-tags": tags})
	return jsonResp(201, b)
}

// modify applies a packument PUT without attachments: deprecation messages
// of existing versions and dist-tags. Versions missing from the document are
// removed only when their tarball is DELETEd (npm unpublish does that next),
// which needs the delete permission.
func modify(h sdk.Host, name string, doc *publishDoc) (*sdk.Response, error) {
	vs, err := listVersions(h, name)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return npmError(404, "package "+name+" not found"), nil
	}
	known := map[string]bool{}
	for _, v := range vs {
		known[v.Version] = true
		raw, ok := doc.Versions[v.Version]
		if !ok {
			continue
		}
		var client struct {
			Deprecated *string `json:"deprecated"`
		}
		if json.Unmarshal(raw, &client) != nil {
			return npmError(400, "versions."+v.Version+" is not a JSON object"), nil
		}
		want := ""
		if client.Deprecated != nil {
			want = *client.Deprecated
		}
		var stored map[string]json.RawMessage
		if err := json.Unmarshal(v.Metadata, &stored); err != nil {
			return nil, err
		}
		if jsonString(stored["deprecated"]) == want {
			continue
		}
		if want == "" {
			delete(stored, "deprecated")
		} else {
			stored["deprecated"], _ = json.Marshal(want)
		}
		meta, _ := json.Marshal(stored)
		if err := h.StageVersion(sdk.VersionPut{Package: name, Version: v.Version, Metadata: meta}); err != nil {
			return nil, err
		}
	}
	if doc.DistTags != nil {
		tags, err := loadTags(h, name)
		if err != nil {
			return nil, err
		}
		next := map[string]string{}
		for tag, v := range doc.DistTags {
			_, inDoc := doc.Versions[v]
			if known[v] && (doc.Versions == nil || inDoc) && validTag(tag) == nil {
				next[tag] = v
			}
		}
		if next["latest"] == "" {
			next["latest"] = tags["latest"]
		}
		if !sameTags(tags, next) {
			if err := saveTags(h, name, next); err != nil {
				return nil, err
			}
		}
	}
	return jsonResp(200, []byte(`{"ok":true}`)), nil
}

func sameTags(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// removeVersion stages the removal of one version (its tarball, metadata and
// the dist-tags pointing to it); all lists the package's versions.
func removeVersion(h sdk.Host, name, version string, all []sdk.VersionInfo) error {
	if err := h.StageDelete(tarballPath(name, version)); err != nil {
		return err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: name, Version: version, Delete: true}); err != nil {
		return err
	}
	tags, err := loadTags(h, name)
	if err != nil {
		return err
	}
	for t, v := range tags {
		if v == version {
			delete(tags, t)
		}
	}
	if tags["latest"] == "" {
		if n := newest(all, version); n != "" {
			tags["latest"] = n
		}
	}
	return saveTags(h, name, tags)
}

// unpublishAll removes every version of a package (npm unpublish NAME --force,
// or the last version: `DELETE /NAME/-rev/REV`).
func unpublishAll(h sdk.Host, name string) (*sdk.Response, error) {
	vs, err := listVersions(h, name)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return npmError(404, "package "+name+" not found"), nil
	}
	for _, v := range vs {
		if err := h.StageDelete(tarballPath(name, v.Version)); err != nil {
			return nil, err
		}
		if err := h.StageVersion(sdk.VersionPut{Package: name, Version: v.Version, Delete: true}); err != nil {
			return nil, err
		}
	}
	if err := h.KVDelete(nsTags, name); err != nil {
		return nil, err
	}
	return jsonResp(200, []byte(`{"ok":true}`)), nil
}

// tarball serves or deletes /NAME/-/FILE.
func tarball(h sdk.Host, req *sdk.Request, r ref) (*sdk.Response, error) {
	path := r.name + "/-/" + r.file
	f, err := h.GetFile(path)
	if err != nil {
		return nil, err
	}
	switch req.Method {
	case "GET", "HEAD":
		if f == nil {
			return npmError(404, "tarball "+r.file+" not found"), nil
		}
		return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: f.Path}, nil
	case "DELETE":
		if f == nil || f.Version == "" {
			return npmError(404, "tarball "+r.file+" not found"), nil
		}
		all, err := listVersions(h, r.name)
		if err != nil {
			return nil, err
		}
		if err := removeVersion(h, r.name, f.Version, all); err != nil {
			return nil, err
		}
		return jsonResp(200, []byte(`{"ok":true}`)), nil
	}
	return npmError(405, "method "+req.Method+" not allowed on a tarball"), nil
}
