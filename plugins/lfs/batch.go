package lfs

import (
	"encoding/json"
	"fmt"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Limits of a batch request: its JSON body (the host caps bodies of the
// batch path at 64 KiB anyway) and its objects (git-lfs sends 100 a batch).
const (
	maxBatchBody    = 64 << 10
	maxBatchObjects = 1000
	maxObjectSize   = 1 << 40
)

// actionTTL is how long the hrefs (and their session token) of a batch
// answer stay valid.
const actionTTL = 3600

type batchRequest struct {
	Operation string     `json:"operation"`
	Transfers []string   `json:"transfers"`
	HashAlgo  string     `json:"hash_algo"`
	Objects   []batchRef `json:"objects"`
}

func readJSON(h sdk.Host, req *sdk.Request, max uint64, v any) error {
	return readBody(h, req, max, func(b []byte) error { return json.Unmarshal(b, v) })
}

// readBody reads the request's JSON body with decode.
func readBody(h sdk.Host, req *sdk.Request, max uint64, decode func([]byte) error) error {
	if req.Body == nil || req.Body.Size == 0 {
		return fail(422, "empty request body")
	}
	if req.Body.Size > max {
		return fail(413, "request body is larger than the allowed size")
	}
	b, err := h.ReadBlob(req.Body.Digest, 0, uint32(req.Body.Size))
	if err != nil {
		return err
	}
	if err := decode(b); err != nil {
		return fail(422, "malformed JSON body: "+err.Error())
	}
	return nil
}

// batch answers the batch API. The path is reachable without the host's
// up-front authorization (a POST is a write to the host, yet a download
// batch only reads): reads fail for a caller who may not read the
// repository, who gets 401 (anonymous, so git-lfs asks its credential
// helper) or 404. Upload actions go to named callers only; their PUT is
// authorized by the host against the caller's own permissions.
func batch(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if _, err := h.GetFile(objectPath("0")); err != nil {
		if req.User == "" {
			return unauthorized(), nil
		}
		return nil, fail(404, "repository not found")
	}
	var br batchRequest
	if err := readBody(h, req, maxBatchBody, func(b []byte) error { return decodeBatch(b, &br) }); err != nil {
		return nil, err
	}
	if br.Operation != "upload" && br.Operation != "download" {
		return nil, fail(422, "operation must be \"upload\" or \"download\"")
	}
	if br.Operation == "upload" && req.User == "" {
		return unauthorized(), nil
	}
	if br.HashAlgo != "" && br.HashAlgo != "sha256" {
		return nil, fail(409, "unsupported hash algorithm "+br.HashAlgo+": only sha256")
	}
	if len(br.Transfers) > 0 && !contains(br.Transfers, "basic") {
		return nil, fail(422, "no supported transfer adapter: only basic")
	}
	if len(br.Objects) > maxBatchObjects {
		return nil, fail(413, "too many objects in one batch")
	}
	header := map[string]string{}
	if req.User != "" {
		tok, err := sdk.SessionToken(h, actionTTL, false)
		if err != nil {
			return nil, err
		}
		header["Authorization"] = "Bearer " + tok
	}
	if req.Repo.Kind == "remote" || req.Repo.Kind == "virtual" {
		return proxiedBatch(req, br, header)
	}
	return localBatch(h, req.Repo.BaseURL, br, header)
}

// localBatch answers a batch of a local repository from its stored
// objects, with header on every action.
func localBatch(h sdk.Host, baseURL string, br batchRequest, header map[string]string) (*sdk.Response, error) {
	valid := make([]bool, len(br.Objects))
	for i, o := range br.Objects {
		valid[i] = validObject(o)
	}
	stored, err := storedSizes(h, br.Objects, valid)
	if err != nil {
		return nil, err
	}
	a := newAnswer(baseURL+"/", "", header, true, len(br.Objects))
	for i, o := range br.Objects {
		if !valid[i] {
			a.failed(o.OID, o.Size, 422, msgInvalidObject)
			continue
		}
		size := stored[i]
		ok := size >= 0
		switch {
		case br.Operation == "download" && !ok:
			a.failed(o.OID, o.Size, 404, msgNoObject)
		case br.Operation == "download":
			a.downloadAction(o.OID, size)
		case ok && size != o.Size:
			a.failed(o.OID, o.Size, 422, msgOtherSize)
		case ok:
			a.plain(o.OID, o.Size) // already stored: no actions, the client skips it
		default:
			a.uploadActions(o.OID, o.Size)
		}
	}
	return a.reply(), nil
}

func validObject(o batchRef) bool { return validOID(o.OID) && o.Size >= 0 && o.Size <= maxObjectSize }

// storedSizes are the sizes of the stored files of the batch's objects by
// index (-1 when not stored or not valid), read in one file-sizes call
// (contract 0.9.0; at most maxBatchObjects, the import's bound): no file
// record enters the guest. The paths share one string.
func storedSizes(h sdk.Host, objs []batchRef, valid []bool) ([]int64, error) {
	const n = len("objects/") + 64
	buf := make([]byte, 0, len(objs)*n)
	for i, o := range objs {
		if valid[i] {
			buf = append(append(buf, "objects/"...), o.OID...)
		}
	}
	all := string(buf)
	paths := make([]string, len(all)/n)
	for i := range paths {
		paths[i] = all[i*n : (i+1)*n]
	}
	sizes, err := sdk.FileSizes(h, paths)
	if err != nil {
		return nil, err
	}
	if len(sizes) != len(paths) {
		return nil, fmt.Errorf("lfs: the host answered %d sizes for %d paths", len(sizes), len(paths))
	}
	out := make([]int64, len(objs))
	j := 0
	for i := range objs {
		out[i] = -1
		if valid[i] {
			out[i] = sizes[j]
			j++
		}
	}
	return out, nil
}

func unauthorized() *sdk.Response {
	r := reply(401, map[string]string{"message": "credentials needed"})
	r.Headers = append(r.Headers, sdk.Header{Name: "WWW-Authenticate", Value: `Basic realm="keeper"`})
	return r
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// upload stores the body of a basic-transfer PUT as object oid after
// checking its sha256. https://github.com/git-lfs/git-lfs/blob/main/docs/api/basic-transfers.md
func upload(h sdk.Host, req *sdk.Request, oid string) (*sdk.Response, error) {
	if !validOID(oid) {
		return nil, fail(422, "invalid object id: 64 lower-case hex digits expected")
	}
	if req.Body == nil {
		req.Body = &sdk.Body{}
	}
	if f, err := h.GetFile(objectPath(oid)); err != nil {
		return nil, err
	} else if f != nil {
		if f.Size != req.Body.Size {
			return nil, fail(409, "object exists with another size")
		}
		return &sdk.Response{Status: 200}, nil // idempotent: the same content
	}
	digest := req.Body.Digest
	if req.Body.Size == 0 {
		var err error
		if digest, err = h.PutBlob(nil); err != nil {
			return nil, err
		}
	}
	sum, err := h.Hash(sdk.SHA256, sdk.Source{Blob: digest})
	if err != nil {
		return nil, err
	}
	if sum != oid {
		return nil, fail(422, "the content's sha256 is "+sum+", not the object id")
	}
	if err := h.StageFile(sdk.StagedFile{Path: objectPath(oid), BlobDigest: digest, ContentType: "application/octet-stream"}); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 200}, nil
}

// verify answers the verify action: 200 when the object is stored with
// the size the client uploaded.
func verify(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	var o struct {
		OID  string `json:"oid"`
		Size int64  `json:"size"`
	}
	if err := readJSON(h, req, 4096, &o); err != nil {
		return nil, err
	}
	if !validOID(o.OID) {
		return nil, fail(422, "invalid object id")
	}
	f, err := h.GetFile(objectPath(o.OID))
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, fail(404, "object does not exist")
	}
	if int64(f.Size) != o.Size {
		return nil, fail(422, "object size differs: stored "+itoa(int64(f.Size)))
	}
	return reply(200, map[string]string{"message": "ok"}), nil
}
