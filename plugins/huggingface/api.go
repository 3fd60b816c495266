package huggingface

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// docTTL lets the host keep a rendered document for the repository
// generation it was made from (a commit moves the generation).
const docTTL = 60_000

// modelInfo answers api/models/ID[/revision/REV] (hf_api.py model_info;
// ?blobs=true adds size, blobId and lfs to the siblings, files_metadata).
func modelInfo(h sdk.Host, req *sdk.Request, id, rev string) (*sdk.Response, error) {
	q, _ := url.ParseQuery(req.RawQuery)
	blobs := isTrue(q.Get("blobs"))
	if r, err := assembledInfo(h, id, rev, !req.Repo.IsPublic, blobs); r != nil || err != nil {
		return r, err
	}
	c, resp, err := lookup(h, id, rev)
	if resp != nil || err != nil {
		return resp, err
	}
	var ms int64
	if c.ID != "" {
		if ms, err = commitTime(h, id, c.ID); err != nil {
			return nil, err
		}
	}
	b, err := infoDoc(c, id, !req.Repo.IsPublic, blobs, ms)
	return docResponse(jsonResponse(200, b), err)
}

// infoDoc renders the model info of commit c of id: lastModified is ms
// when above 0.
func infoDoc(c *commit, id string, private, blobs bool, ms int64) ([]byte, error) {
	doc := map[string]any{
		"_id": id, "id": id, "modelId": id, "author": strings.SplitN(id, "/", 2)[0],
		"private": private, "disabled": false, "gated": false, "downloads": 0, "likes": 0,
		"tags": nonNil(c.Tags), "siblings": siblings(c, blobs), "spaces": []string{},
	}
	if c.ID != "" {
		doc["sha"] = c.ID
		if ms > 0 {
			doc["lastModified"] = timeText(ms)
		}
		var used int64
		for _, e := range c.Files {
			used += e.Size
		}
		doc["usedStorage"] = used
	}
	if c.CardData != nil {
		doc["cardData"] = c.CardData
		for _, k := range []string{"library_name", "pipeline_tag"} {
			if s, ok := c.CardData[k].(string); ok {
				doc[k] = s
			}
		}
	}
	return json.Marshal(doc)
}

// docResponse sets the cache lifetime of a document response.
func docResponse(r *sdk.Response, err error) (*sdk.Response, error) {
	if err != nil {
		return nil, err
	}
	r.CacheTTLMs = docTTL
	return r, nil
}

func siblings(c *commit, blobs bool) []map[string]any {
	out := make([]map[string]any, 0, len(c.Files))
	for _, e := range c.Files {
		s := map[string]any{"rfilename": e.Path}
		if blobs {
			s["size"] = e.Size
			s["blobId"] = e.OID
			if e.LFS {
				s["lfs"] = map[string]any{"sha256": e.SHA256, "size": e.Size, "pointerSize": len(pointer(e.SHA256, e.Size))}
			}
		}
		out = append(out, s)
	}
	return out
}

// tree answers api/models/ID/tree/REV[/PATH] (hf_api.py list_repo_tree):
// the files and folders directly under PATH, or every file below it with
// recursive=true; a PATH that is neither a file nor a folder is
// EntryNotFound. One page: the hub's Link pagination is not needed below
// the plugin's bounds.
func tree(h sdk.Host, req *sdk.Request, id, rev, dir string) (*sdk.Response, error) {
	q, _ := url.ParseQuery(req.RawQuery)
	recursive := isTrue(q.Get("recursive"))
	dir = strings.Trim(dir, "/")
	if dir == "" {
		if r, err := assembledTree(h, id, rev, recursive); r != nil || err != nil {
			return r, err
		}
	}
	c, resp, err := lookup(h, id, rev)
	if resp != nil || err != nil {
		return resp, err
	}
	b, found, err := treeDoc(c, dir, recursive)
	if err != nil || !found {
		return hfError(404, "EntryNotFound", "Entry not found: "+clip(dir)), err
	}
	return docResponse(jsonResponse(200, b), nil)
}

// treeDoc renders the tree listing of dir ("" the root) of commit c;
// found is false when dir is neither a file nor a folder.
func treeDoc(c *commit, dir string, recursive bool) ([]byte, bool, error) {
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	type item struct {
		Type string         `json:"type"`
		OID  string         `json:"oid"`
		Size int64          `json:"size"`
		Path string         `json:"path"`
		LFS  map[string]any `json:"lfs,omitempty"`
	}
	var items []item
	folders := map[string][]string{}
	found := dir == ""
	for _, e := range c.Files {
		rest, ok := strings.CutPrefix(e.Path, prefix)
		if !ok {
			continue
		}
		found = true
		if sub, _, deeper := strings.Cut(rest, "/"); deeper {
			folders[prefix+sub] = append(folders[prefix+sub], e.OID+" "+e.Path)
			if !recursive {
				continue
			}
		}
		it := item{Type: "file", OID: e.OID, Size: e.Size, Path: e.Path}
		if e.LFS {
			it.LFS = map[string]any{"oid": e.SHA256, "size": e.Size, "pointerSize": len(pointer(e.SHA256, e.Size))}
		}
		items = append(items, it)
	}
	if !found {
		return nil, false, nil
	}
	for f, members := range folders {
		sort.Strings(members)
		sum := sha1.Sum([]byte(strings.Join(members, "\n")))
		items = append(items, item{Type: "directory", OID: hex.EncodeToString(sum[:]), Path: f})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Path < items[j].Path })
	if items == nil {
		items = []item{}
	}
	b, err := json.Marshal(items)
	return b, true, err
}

// resolve answers HEAD and GET ID/resolve/REV/PATH the way
// get_hf_file_metadata (file_download.py) reads them: X-Repo-Commit names
// the commit, X-Linked-Etag and X-Linked-Size the LFS object (its sha256
// and size); the content is the stored object, streamed by the host (Range,
// ETag = its sha256).
func resolve(h sdk.Host, req *sdk.Request, id, rev, path string) (*sdk.Response, error) {
	c, resp, err := lookup(h, id, rev)
	if resp != nil || err != nil {
		return resp, err
	}
	e := c.find(path)
	if e == nil {
		r := hfError(404, "EntryNotFound", "Entry not found: "+clip(path))
		if c.ID != "" {
			r.Headers = append(r.Headers, sdk.Header{Name: "X-Repo-Commit", Value: c.ID})
		}
		return r, nil
	}
	hs := []sdk.Header{{Name: "X-Repo-Commit", Value: c.ID}}
	if e.LFS {
		hs = append(hs, sdk.Header{Name: "X-Linked-Etag", Value: `"` + e.SHA256 + `"`},
			sdk.Header{Name: "X-Linked-Size", Value: strconv.FormatInt(e.Size, 10)})
	}
	return &sdk.Response{Status: 200, Headers: hs, Kind: sdk.BodyServePath, Target: objectPath(id, e.SHA256),
		CacheTTLMs: docTTL}, nil
}

// pointer is the Git LFS pointer file of an object
// (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md).
func pointer(sha256 string, size int64) string {
	return "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256 + "\nsize " + strconv.FormatInt(size, 10) + "\n"
}

// gitBlobID is git's object id of a blob with content b.
func gitBlobID(b []byte) string {
	s := sha1.New()
	s.Write([]byte("blob " + strconv.Itoa(len(b)) + "\x00"))
	s.Write(b)
	return hex.EncodeToString(s.Sum(nil))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// timeText is ms as the hub writes times: 2006-01-02T15:04:05.000Z.
func timeText(ms int64) string {
	b, rem, ok := sdk.AppendUTC(nil, ms)
	if !ok {
		return ""
	}
	return string(b) + "." + strconv.FormatInt(1000+rem, 10)[1:] + "Z"
}

// commitTime is when the host recorded commit sha of id (its version).
func commitTime(h sdk.Host, id, sha string) (int64, error) {
	vs, err := h.ListVersions(id, sha[:len(sha)-1], 16)
	if err != nil {
		return 0, err
	}
	for _, v := range vs {
		if v.Version == sha {
			return v.CreatedMs, nil
		}
	}
	return 0, nil
}

// isTrue reads a boolean query parameter: httpx writes Python's True as
// "true", requests (older clients) as "True".
func isTrue(s string) bool { return strings.EqualFold(s, "true") || s == "1" }
