package huggingface

import (
	"encoding/json"
	"path"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

const (
	// maxJSONBody bounds the JSON request bodies (create, validate-yaml,
	// preupload, LFS batch and verify).
	maxJSONBody = 4 << 20
	// lfsThreshold: files from this size on go through LFS, as on the hub
	// (which refuses regular files of 10 MiB or more).
	lfsThreshold = 10 << 20
	// maxPreuploadFiles is the chunk the client sends (_commit_api.py: 256).
	maxPreuploadFiles = 1000
)

// lfsExtensions are the types the hub's default .gitattributes stores in LFS
// whatever their size.
var lfsExtensions = map[string]bool{
	".7z": true, ".arrow": true, ".bin": true, ".bz2": true, ".ckpt": true, ".ftz": true, ".gz": true,
	".h5": true, ".joblib": true, ".mlmodel": true, ".model": true, ".msgpack": true, ".npy": true,
	".npz": true, ".onnx": true, ".ot": true, ".parquet": true, ".pb": true, ".pickle": true, ".pkl": true,
	".pt": true, ".pth": true, ".rar": true, ".safetensors": true, ".tar": true, ".tflite": true,
	".tgz": true, ".wasm": true, ".xz": true, ".zip": true, ".zst": true, ".gguf": true,
}

func readJSON(h sdk.Host, req *sdk.Request, v any) *sdk.Response {
	if req.Body == nil || req.Body.Size == 0 {
		return hfError(400, "BadRequest", "the request has no JSON body")
	}
	if req.Body.Size > maxJSONBody {
		return hfError(413, "BadRequest", "the JSON body is larger than 4 MiB")
	}
	b, err := h.ReadBlob(req.Body.Digest, 0, uint32(req.Body.Size))
	if err != nil || json.Unmarshal(b, v) != nil {
		return hfError(400, "BadRequest", "the body is not the expected JSON")
	}
	return nil
}

func needUser(req *sdk.Request) *sdk.Response {
	if req.User == "" {
		return hfError(401, "Unauthorized", "Invalid credentials in Authorization header")
	}
	return nil
}

// createRepo answers api/repos/create (hf_api.py create_repo): the
// repository NAMESPACE/NAME, NAMESPACE the organization or the caller;
// 409 when it exists (the client's exist_ok=True accepts that).
func createRepo(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if r := needUser(req); r != nil {
		return r, nil
	}
	var in struct {
		Name         string  `json:"name"`
		Organization *string `json:"organization"`
		Type         string  `json:"type"`
	}
	if r := readJSON(h, req, &in); r != nil {
		return r, nil
	}
	if in.Type != "" && in.Type != "model" {
		return hfError(400, "BadRequest", "this repository serves models only, not "+clip(in.Type)+" repositories"), nil
	}
	ns := req.User
	if in.Organization != nil && *in.Organization != "" {
		ns = *in.Organization
	}
	if !validIDPart(ns) || !validIDPart(in.Name) {
		return hfError(400, "BadRequest", "invalid repository id "+clip(ns+"/"+in.Name)+": letters, digits, '-', '_' and '.', at most 96 each"), nil
	}
	id := ns + "/" + in.Name
	ri, err := getRepo(h, id)
	if err != nil {
		return nil, err
	}
	if ri != nil {
		r := hfError(409, "Conflict", "You already created this model repo")
		r.Bytes = append(sdk.AppendJSONString(append(r.Bytes[:len(r.Bytes)-1], `,"url":`...), req.Repo.BaseURL+"/"+id), '}')
		return r, nil
	}
	if err := h.KVPut(nsRepos, id, []byte("{}")); err != nil {
		return nil, err
	}
	b := append(sdk.AppendJSONString([]byte(`{"url":`), req.Repo.BaseURL+"/"+id), `,"name":`...)
	b = append(sdk.AppendJSONString(b, id), '}')
	return jsonResponse(200, b), nil
}

// validateYAML answers api/validate-yaml (hf_api.py _validate_yaml): 400
// with {"errors": [{"message"}]} when README.md's front matter is not a
// YAML mapping the plugin accepts.
func validateYAML(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	var in struct {
		Content string `json:"content"`
	}
	if r := readJSON(h, req, &in); r != nil {
		return r, nil
	}
	if _, err := parseCard([]byte(in.Content)); err != nil {
		b := append(sdk.AppendJSONString([]byte(`{"errors":[{"message":`), err.Error()), `}],"warnings":[]}`...)
		return jsonResponse(400, b), nil
	}
	return jsonResponse(200, []byte(`{"errors":[],"warnings":[]}`)), nil
}

// preupload answers api/models/ID/preupload/REV (_commit_api.py
// _fetch_upload_modes): "lfs" for large files and the hub's LFS types,
// "regular" otherwise, with the oid of the file the revision holds at
// that path (the client skips a file whose oid did not change).
func preupload(h sdk.Host, req *sdk.Request, id, rev string) (*sdk.Response, error) {
	if r := needUser(req); r != nil {
		return r, nil
	}
	c, resp, err := lookup(h, id, rev)
	if resp != nil || err != nil {
		return resp, err
	}
	var in struct {
		Files []struct {
			Path string `json:"path"`
			Size int64  `json:"size"`
		} `json:"files"`
	}
	if r := readJSON(h, req, &in); r != nil {
		return r, nil
	}
	if len(in.Files) > maxPreuploadFiles {
		return hfError(400, "BadRequest", "too many files in one preupload request (at most 1000)"), nil
	}
	type mode struct {
		Path         string  `json:"path"`
		UploadMode   string  `json:"uploadMode"`
		ShouldIgnore bool    `json:"shouldIgnore"`
		OID          *string `json:"oid"`
	}
	out := struct {
		Files []mode `json:"files"`
	}{Files: []mode{}}
	for _, f := range in.Files {
		if !validPath(f.Path) || f.Size < 0 {
			return hfError(400, "BadRequest", "invalid path in repository: "+clip(f.Path)), nil
		}
		m := mode{Path: f.Path, UploadMode: "regular"}
		if f.Size >= lfsThreshold || lfsExtensions[path.Ext(f.Path)] {
			m.UploadMode = "lfs"
		}
		if e := c.find(f.Path); e != nil {
			oid := e.OID
			if e.LFS {
				oid = e.SHA256
			}
			m.OID = &oid
		}
		out.Files = append(out.Files, m)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return jsonResponse(200, b), nil
}
