package huggingface

import (
	"encoding/json"
	"net/url"
	"strconv"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// The Git LFS batch API as huggingface_hub's lfs.py uses it
// (https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md):
// post_lfs_batch_info POSTs the objects, lfs_upload PUTs each one to its
// upload href with no header of ours (_upload_single_part) and POSTs
// {"oid","size"} to the verify href with the caller's token.

const (
	lfsType = "application/vnd.git-lfs+json"
	// hrefTTL is how long an upload href (and the session token in its
	// userinfo) stays valid.
	hrefTTL = 3600
	// maxObjectSize bounds one LFS object (the hub's own cap is 50 GB).
	maxObjectSize = 50 << 30
	maxBatch      = 1000
)

func lfsRoute(h sdk.Host, req *sdk.Request, id, rest string) (*sdk.Response, error) {
	switch {
	case rest == "batch" && req.Method == "POST":
		return batch(h, req, id)
	case rest == "verify" && req.Method == "POST":
		return verify(h, req, id)
	case isSHA256(rest) && req.Method == "PUT":
		return putObject(h, req, id, rest)
	case rest == "batch" || rest == "verify" || isSHA256(rest):
		return methodNotAllowed(req), nil
	}
	return hfError(404, "EntryNotFound", "no such LFS path: "+clip(req.Path)), nil
}

type lfsObject struct {
	OID  string `json:"oid"`
	Size int64  `json:"size"`
}

// batch answers the upload batch: objects the hub repository already holds
// get no actions, the others an upload href whose userinfo is a short-lived
// session token of the caller (the client's PUT carries no Authorization,
// httpx turns userinfo into Basic) and a verify href.
func batch(h sdk.Host, req *sdk.Request, id string) (*sdk.Response, error) {
	if r := needUser(req); r != nil {
		return r, nil
	}
	if ri, err := getRepo(h, id); err != nil || ri == nil {
		if err != nil {
			return nil, err
		}
		return hfError(404, "RepoNotFound", "Repository not found: "+id), nil
	}
	var in struct {
		Operation string      `json:"operation"`
		Transfers []string    `json:"transfers"`
		HashAlgo  string      `json:"hash_algo"`
		Objects   []lfsObject `json:"objects"`
	}
	if r := readJSON(h, req, &in); r != nil {
		return r, nil
	}
	if in.Operation != "upload" {
		return hfError(422, "BadRequest", `operation must be "upload"`), nil
	}
	if in.HashAlgo != "" && in.HashAlgo != "sha256" {
		return hfError(409, "BadRequest", "unsupported hash algorithm "+clip(in.HashAlgo)+": only sha256"), nil
	}
	if len(in.Objects) > maxBatch {
		return hfError(413, "BadRequest", "too many objects in one batch (at most 1000)"), nil
	}
	tok, err := sdk.SessionToken(h, hrefTTL, false)
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(req.Repo.BaseURL)
	if err != nil {
		return nil, err
	}
	base.User = url.UserPassword("hf", tok)
	href := base.String() + "/" + id + ".git/info/lfs/objects/"
	type action struct {
		Href      string `json:"href"`
		ExpiresIn int    `json:"expires_in,omitempty"`
	}
	type objectOut struct {
		OID     string            `json:"oid"`
		Size    int64             `json:"size"`
		Actions map[string]action `json:"actions,omitempty"`
		Error   *map[string]any   `json:"error,omitempty"`
		Auth    bool              `json:"authenticated"`
	}
	out := make([]objectOut, 0, len(in.Objects))
	for _, o := range in.Objects {
		bo := objectOut{OID: o.OID, Size: o.Size, Auth: true}
		if !isSHA256(o.OID) || o.Size < 0 || o.Size > maxObjectSize {
			e := map[string]any{"code": 422, "message": "invalid object: oid must be 64 lower-case hex digits, size between 0 and 50 GiB"}
			bo.Error = &e
			out = append(out, bo)
			continue
		}
		f, err := h.GetFile(objectPath(id, o.OID))
		if err != nil {
			return nil, err
		}
		if f == nil {
			bo.Actions = map[string]action{
				"upload": {Href: href + o.OID, ExpiresIn: hrefTTL},
				"verify": {Href: req.Repo.BaseURL + "/" + id + ".git/info/lfs/objects/verify", ExpiresIn: hrefTTL},
			}
		}
		out = append(out, bo)
	}
	b, err := json.Marshal(map[string]any{"transfer": "basic", "objects": out, "hash_algo": "sha256"})
	if err != nil {
		return nil, err
	}
	r := jsonResponse(200, b)
	r.Headers[0].Value = lfsType
	return r, nil
}

// putObject stores an uploaded LFS object once its sha256 is the oid.
func putObject(h sdk.Host, req *sdk.Request, id, oid string) (*sdk.Response, error) {
	if r := needUser(req); r != nil {
		return r, nil
	}
	if ri, err := getRepo(h, id); err != nil || ri == nil {
		if err != nil {
			return nil, err
		}
		return hfError(404, "RepoNotFound", "Repository not found: "+id), nil
	}
	if req.Body == nil {
		return hfError(400, "BadRequest", "the upload has no body"), nil
	}
	if req.Body.Digest != oid {
		return hfError(400, "BadRequest", "the uploaded content's sha256 is "+req.Body.Digest+", not the oid "+oid), nil
	}
	if req.Body.Size > maxObjectSize {
		return hfError(413, "BadRequest", "the object is larger than 50 GiB"), nil
	}
	f, err := h.GetFile(objectPath(id, oid))
	if err != nil {
		return nil, err
	}
	if f == nil {
		if err := h.StageFile(sdk.StagedFile{Path: objectPath(id, oid), BlobDigest: oid,
			ContentType: "application/octet-stream", Package: id}); err != nil {
			return nil, err
		}
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes}, nil
}

// verify confirms an object the hub repository holds with its size.
func verify(h sdk.Host, req *sdk.Request, id string) (*sdk.Response, error) {
	if r := needUser(req); r != nil {
		return r, nil
	}
	var o lfsObject
	if r := readJSON(h, req, &o); r != nil {
		return r, nil
	}
	if !isSHA256(o.OID) {
		return hfError(422, "BadRequest", "oid must be 64 lower-case hex digits"), nil
	}
	f, err := h.GetFile(objectPath(id, o.OID))
	if err != nil {
		return nil, err
	}
	if f == nil || int64(f.Size) != o.Size {
		return hfError(404, "EntryNotFound", "object "+o.OID+" of size "+strconv.FormatInt(o.Size, 10)+" is not stored"), nil
	}
	r := jsonResponse(200, []byte(`{"success":true}`))
	r.Headers[0].Value = lfsType
	return r, nil
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
