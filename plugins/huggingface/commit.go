package huggingface

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// The commit API as _commit_api.py _send_commit posts it: NDJSON, one
// {"key": …, "value": …} per line; a "header" line (summary, description,
// parentCommit), then "file" (base64 content), "lfsFile" (an LFS object
// uploaded before), "deletedFile" and "deletedFolder" lines. Answer:
// {"commitUrl", "commitOid", "pullRequestUrl"}.
const (
	maxOps = 10000
	// maxSmallLine is the longest line read whole; longer ones must be a
	// "file" whose base64 content the host decodes from the body.
	maxSmallLine = 1 << 20
	maxLineEnds  = 64 << 10
)

type commitOp struct {
	Key   string `json:"key"`
	Value struct {
		Summary      string `json:"summary"`
		Description  string `json:"description"`
		ParentCommit string `json:"parentCommit"`
		Path         string `json:"path"`
		Content      string `json:"content"`
		Encoding     string `json:"encoding"`
		Algo         string `json:"algo"`
		OID          string `json:"oid"`
		Size         *int64 `json:"size"`
	} `json:"value"`
}

func commitRoute(h sdk.Host, req *sdk.Request, id, rev string) (*sdk.Response, error) {
	if r := needUser(req); r != nil {
		return r, nil
	}
	if rev == "" {
		rev = defaultBranch
	}
	if isCommitID(rev) || !validRef(rev) {
		return hfError(400, "BadRequest", "commits go to a branch, not to "+clip(rev)), nil
	}
	q := req.RawQuery
	if strings.Contains(q, "create_pr=1") {
		return hfError(400, "BadRequest", "pull requests are not supported by this repository"), nil
	}
	head, resp, err := lookup(h, id, rev)
	if resp != nil || err != nil {
		return resp, err
	}
	if req.Body == nil || req.Body.Size == 0 {
		return hfError(400, "BadRequest", "the commit has no body"), nil
	}
	files := map[string]entry{}
	for _, e := range head.Files {
		files[e.Path] = e
	}
	next := commit{Parent: head.ID, Author: req.User}
	staged := map[string]bool{}
	sawHeader, nOps := false, 0
	for off := uint64(0); off < req.Body.Size; {
		end, found, err := sdk.IndexBytes(h, req.Body.Digest, off, []byte("\n"))
		if err != nil {
			return nil, err
		}
		if !found {
			end = req.Body.Size
		}
		op, content, bad, err := readOp(h, req.Body.Digest, off, end)
		if err != nil {
			return nil, err
		}
		off = end + 1
		if bad != "" {
			return hfError(400, "BadRequest", bad), nil
		}
		if op == nil {
			continue // an empty line
		}
		if nOps++; nOps > maxOps {
			return hfError(400, "BadRequest", "too many operations in one commit (at most 10000)"), nil
		}
		v := op.Value
		if op.Key == "header" {
			if sawHeader || nOps != 1 {
				return hfError(400, "BadRequest", "the header must be the first line, once"), nil
			}
			sawHeader = true
			if strings.TrimSpace(v.Summary) == "" {
				return hfError(400, "BadRequest", "the commit has no summary"), nil
			}
			if v.ParentCommit != "" && v.ParentCommit != head.ID {
				return hfError(412, "PreconditionFailed", "A commit has happened since. Please refresh and try again: "+
					clip(rev)+" is at "+head.ID+", not "+clip(v.ParentCommit)), nil
			}
			next.Title, next.Message = clip(v.Summary), v.Description
			if len(next.Message) > 64<<10 {
				next.Message = next.Message[:64<<10]
			}
			continue
		}
		if !sawHeader {
			return hfError(400, "BadRequest", "the first line must be the header"), nil
		}
		if !validPath(v.Path) && !(op.Key == "deletedFolder" && validPath(strings.TrimSuffix(v.Path, "/"))) {
			return hfError(400, "BadRequest", "invalid path in repository: "+clip(v.Path)), nil
		}
		switch op.Key {
		case "file":
			if v.Encoding != "base64" {
				return hfError(400, "BadRequest", "file "+clip(v.Path)+": encoding must be base64"), nil
			}
			e, r, err := regularFile(h, id, v.Path, v.Content, content, staged)
			if r != nil || err != nil {
				return r, err
			}
			files[v.Path] = e
		case "lfsFile":
			if v.Algo != "" && v.Algo != "sha256" || !isSHA256(v.OID) {
				return hfError(400, "BadRequest", "lfsFile "+clip(v.Path)+": oid must be a sha256"), nil
			}
			f, err := h.GetFile(objectPath(id, v.OID))
			if err != nil {
				return nil, err
			}
			if f == nil || (v.Size != nil && *v.Size != int64(f.Size)) {
				return hfError(400, "BadRequest", "lfsFile "+clip(v.Path)+": LFS object "+v.OID+" was not uploaded (or has another size)"), nil
			}
			size := int64(f.Size)
			files[v.Path] = entry{Path: v.Path, Size: size, SHA256: v.OID, OID: gitBlobID([]byte(pointer(v.OID, size))), LFS: true}
		case "deletedFile":
			if _, ok := files[v.Path]; !ok {
				return hfError(404, "EntryNotFound", "A file with this name doesn't exist: "+clip(v.Path)), nil
			}
			delete(files, v.Path)
		case "deletedFolder":
			prefix, n := strings.TrimSuffix(v.Path, "/")+"/", 0
			for p := range files {
				if strings.HasPrefix(p, prefix) {
					delete(files, p)
					n++
				}
			}
			if n == 0 {
				return hfError(404, "EntryNotFound", "A folder with this name doesn't exist: "+clip(v.Path)), nil
			}
		default:
			return hfError(400, "BadRequest", "unknown commit operation "+clip(op.Key)), nil
		}
	}
	if !sawHeader {
		return hfError(400, "BadRequest", "the commit has no header line"), nil
	}
	for _, e := range files {
		next.Files = append(next.Files, e)
	}
	sort.Slice(next.Files, func(i, j int) bool { return next.Files[i].Path < next.Files[j].Path })
	if r, err := readCard(h, id, &next); r != nil || err != nil {
		return r, err
	}
	next.ID = commitID(&next)
	doc, err := json.Marshal(next)
	if err != nil {
		return nil, err
	}
	if err := h.KVPut(nsCommits, id+"@"+next.ID, doc); err != nil {
		return nil, err
	}
	if err := h.KVPut(nsRefs, id+"@"+rev, []byte(next.ID)); err != nil {
		return nil, err
	}
	meta, err := withRendered(doc)
	if err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: id, Version: next.ID, Metadata: meta}); err != nil {
		return nil, err
	}
	b := append(sdk.AppendJSONString([]byte(`{"commitUrl":`), req.Repo.BaseURL+"/"+id+"/commit/"+next.ID), `,"commitOid":`...)
	b = append(sdk.AppendJSONString(b, next.ID), `,"pullRequestUrl":null}`...)
	return jsonResponse(200, b), nil
}

// readOp reads the line [off, end) of the body. A long line must be a
// "file" whose content stays in the body: content is then its range.
func readOp(h sdk.Host, digest string, off, end uint64) (*commitOp, *sdk.BlobRange, string, error) {
	n := end - off
	if n == 0 {
		return nil, nil, "", nil
	}
	var op commitOp
	if n <= maxSmallLine {
		line, err := h.ReadBlob(digest, off, uint32(n))
		if err != nil {
			return nil, nil, "", err
		}
		if strings.TrimSpace(string(line)) == "" {
			return nil, nil, "", nil
		}
		if json.Unmarshal(line, &op) != nil {
			return nil, nil, "the commit line at byte " + strconv.FormatUint(off, 10) + " is not JSON", nil
		}
		return &op, nil, "", nil
	}
	bad := "the commit line at byte " + strconv.FormatUint(off, 10) + " is longer than 1 MiB and not a base64 file"
	at, found, err := sdk.IndexBytes(h, digest, off, []byte(`"content":`))
	if err != nil || !found || at >= end || at-off > maxLineEnds {
		return nil, nil, bad, err
	}
	peek, err := h.ReadBlob(digest, at+10, 8)
	if err != nil {
		return nil, nil, "", err
	}
	q := at + 10 + uint64(len(peek)-len(strings.TrimLeft(string(peek), " ")))
	if q-at-10 >= uint64(len(peek)) || peek[q-at-10] != '"' {
		return nil, nil, bad, nil
	}
	ce, found, err := sdk.IndexBytes(h, digest, q+1, []byte(`"`))
	if err != nil || !found || ce >= end || end-ce-1 > maxLineEnds {
		return nil, nil, bad, err
	}
	head, err := h.ReadBlob(digest, off, uint32(q-off))
	if err != nil {
		return nil, nil, "", err
	}
	tail, err := h.ReadBlob(digest, ce+1, uint32(end-ce-1))
	if err != nil {
		return nil, nil, "", err
	}
	if json.Unmarshal([]byte(string(head)+`""`+string(tail)), &op) != nil || op.Key != "file" {
		return nil, nil, bad, nil
	}
	return &op, &sdk.BlobRange{Digest: digest, Offset: q + 1, Length: ce - q - 1}, "", nil
}

// regularFile stores the content of a "file" line (inline base64, or a
// range of the body the host decodes) and returns its entry.
func regularFile(h sdk.Host, id, path, inline string, rng *sdk.BlobRange, staged map[string]bool) (entry, *sdk.Response, error) {
	e := entry{Path: path}
	tooBig := hfError(400, "BadRequest", "file "+clip(path)+" is 10 MiB or larger: upload it through LFS (preupload says lfs)")
	if rng == nil {
		content, err := base64.StdEncoding.DecodeString(inline)
		if err != nil {
			return e, hfError(400, "BadRequest", "file "+clip(path)+": content is not base64"), nil
		}
		if len(content) >= lfsThreshold {
			return e, tooBig, nil
		}
		if e.SHA256, err = h.PutBlob(content); err != nil {
			return e, nil, err
		}
		e.Size, e.OID = int64(len(content)), gitBlobID(content)
	} else {
		if rng.Length/4*3 >= lfsThreshold+3 {
			return e, tooBig, nil
		}
		body, err := sdk.DecodeBase64(h, *rng)
		if err != nil {
			return e, hfError(400, "BadRequest", "file "+clip(path)+": content is not base64"), nil
		}
		if body.Size >= lfsThreshold {
			return e, tooBig, nil
		}
		e.SHA256, e.Size = body.Digest, int64(body.Size)
		hdr, err := h.PutBlob([]byte("blob " + strconv.FormatUint(body.Size, 10) + "\x00"))
		if err != nil {
			return e, nil, err
		}
		whole, err := sdk.ConcatRanges(h, []sdk.BlobRange{{Digest: hdr, Length: uint64(len(strconv.FormatUint(body.Size, 10))) + 6},
			{Digest: body.Digest, Length: body.Size}})
		if err != nil {
			return e, nil, err
		}
		e.OID = whole.SHA1
	}
	p := objectPath(id, e.SHA256)
	if staged[p] {
		return e, nil, nil
	}
	f, err := h.GetFile(p)
	if err != nil {
		return e, nil, err
	}
	if f == nil {
		if err := h.StageFile(sdk.StagedFile{Path: p, BlobDigest: e.SHA256, ContentType: "application/octet-stream", Package: id}); err != nil {
			return e, nil, err
		}
	}
	staged[p] = true
	return e, nil, nil
}

// readCard fills the commit's card fields from its README.md.
func readCard(h sdk.Host, id string, c *commit) (*sdk.Response, error) {
	e := c.find("README.md")
	if e == nil {
		return nil, nil
	}
	n := e.Size
	if n > maxCard+4 {
		n = maxCard + 4
	}
	doc, err := h.ReadBlob(e.SHA256, 0, uint32(n))
	if err != nil {
		return nil, err
	}
	cd, err := parseCard(doc)
	if err != nil {
		return hfError(400, "BadRequest", "Invalid metadata in README.md: "+err.Error()), nil
	}
	c.CardData, c.Tags, c.Description = cd.Data, cd.Tags, cd.Description
	return nil, nil
}

// commitID is the commit's id: a sha1 of its parent, message, author and
// tree, so the same change on the same parent is the same commit.
func commitID(c *commit) string {
	s := sha1.New()
	s.Write([]byte("parent " + c.Parent + "\nauthor " + c.Author + "\n\n" + c.Title + "\n\n" + c.Message + "\n"))
	for _, e := range c.Files {
		s.Write([]byte(e.OID + " " + e.SHA256 + " " + e.Path + "\n"))
	}
	return hex.EncodeToString(s.Sum(nil))
}

// validRef is a branch name: git's check-ref-format rules, short form.
func validRef(s string) bool {
	if s == "" || len(s) > 200 || strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") ||
		strings.Contains(s, "..") || strings.Contains(s, "//") || strings.HasSuffix(s, ".lock") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f || strings.IndexByte("~^:?*[\\@", c) >= 0 {
			return false
		}
	}
	return true
}
