// Hugging Face hub model repositories, as the huggingface_hub client speaks
// to an HF_ENDPOINT (https://github.com/huggingface/huggingface_hub:
// src/huggingface_hub/file_download.py, hf_api.py, _commit_api.py, lfs.py;
// the hub's HTTP API as that client calls it). HF_ENDPOINT is
// http://HOST/huggingface/REPO; under it:
//
//	GET  api/models/ID[/revision/REV]             model info: sha, siblings, cardData, tags
//	GET  api/models/ID/tree/REV[/PATH]            tree listing (recursive=true for all)
//	HEAD|GET ID/resolve/REV/PATH                  the file, X-Repo-Commit, X-Linked-Etag/-Size for LFS
//	POST api/repos/create                         {"name","organization"} → {"url"}; 409 when it exists
//	POST api/validate-yaml                        README.md front matter check
//	POST api/models/ID/preupload/REV              upload mode (regular or lfs) per file
//	POST ID.git/info/lfs/objects/batch            Git LFS batch (basic transfer)
//	PUT  ID.git/info/lfs/objects/OID              the LFS object (href from the batch)
//	POST ID.git/info/lfs/objects/verify           {"oid","size"}
//	POST api/models/ID/commit/REV                 NDJSON commit: header, file, lfsFile, deletedFile, deletedFolder
//
// Errors are {"error": message} with the X-Error-Code and X-Error-Message
// headers hf_raise_for_status reads (utils/_http.py): RepoNotFound,
// RevisionNotFound, EntryNotFound.
package huggingface

import (
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Version is the plugin's version.
const Version = "0.1.0"

// Plugin implements sdk.Plugin for Hugging Face hub model repositories.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "huggingface", DisplayName: "Hugging Face hub", Version: Version,
		ContractVersion: sdk.ContractVersion, Mounts: []sdk.Mount{{Prefix: "/huggingface/"}},
		Credentials: credentials, Setup: setup}
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return hfError(404, "RepoNotFound", "not a Hugging Face repository"), nil
	}
	p := strings.TrimPrefix(req.Path, "/")
	get := req.Method == "GET" || req.Method == "HEAD"
	switch {
	case p == "api/repos/create":
		if req.Method != "POST" {
			return methodNotAllowed(req), nil
		}
		return createRepo(h, req)
	case p == "api/validate-yaml":
		if req.Method != "POST" {
			return methodNotAllowed(req), nil
		}
		return validateYAML(h, req)
	case strings.HasPrefix(p, "api/models/"):
		return apiModels(h, req, strings.TrimPrefix(p, "api/models/"), get)
	}
	if id, rest, ok := cutGitPath(p); ok {
		return lfsRoute(h, req, id, rest)
	}
	if id, rest, ok := cutRepoID(p); ok {
		if r, ok := strings.CutPrefix(rest, "resolve/"); ok {
			if !get {
				return methodNotAllowed(req), nil
			}
			rev, file, _ := strings.Cut(r, "/")
			return resolve(h, req, id, unescape(rev), unescape(file))
		}
	}
	return hfError(404, "EntryNotFound", "no such path: "+clip(req.Path)), nil
}

// apiModels routes api/models/ID/... .
func apiModels(h sdk.Host, req *sdk.Request, rest string, get bool) (*sdk.Response, error) {
	id, sub, ok := cutRepoID(rest)
	if !ok {
		return hfError(404, "RepoNotFound", "no model "+clip(rest)), nil
	}
	op, arg, _ := strings.Cut(sub, "/")
	switch {
	case sub == "" || op == "revision":
		if !get {
			return methodNotAllowed(req), nil
		}
		return modelInfo(h, req, id, unescape(arg))
	case op == "tree":
		if !get {
			return methodNotAllowed(req), nil
		}
		rev, path, _ := strings.Cut(arg, "/")
		return tree(h, req, id, unescape(rev), unescape(path))
	case op == "preupload" && req.Method == "POST":
		return preupload(h, req, id, unescape(arg))
	case op == "commit" && req.Method == "POST":
		return commitRoute(h, req, id, unescape(arg))
	case op == "preupload" || op == "commit":
		return methodNotAllowed(req), nil
	}
	return hfError(404, "EntryNotFound", "no such model API path: "+clip(req.Path)), nil
}

// cutRepoID splits "NS/NAME/rest" into the repository id and the rest.
func cutRepoID(p string) (id, rest string, ok bool) {
	ns, after, ok1 := strings.Cut(p, "/")
	name, rest, _ := strings.Cut(after, "/")
	if !ok1 || !validIDPart(ns) || !validIDPart(name) {
		return "", "", false
	}
	return ns + "/" + name, rest, true
}

// cutGitPath splits "NS/NAME.git/info/lfs/objects/..." (lfs.py batch_url).
func cutGitPath(p string) (id, rest string, ok bool) {
	ns, after, ok1 := strings.Cut(p, "/")
	name, rest, ok2 := strings.Cut(after, ".git/info/lfs/objects/")
	if !ok1 || !ok2 || strings.Contains(name, "/") || !validIDPart(ns) || !validIDPart(name) {
		return "", "", false
	}
	return ns + "/" + name, rest, true
}

// validIDPart is a namespace or a name of a repository id, as
// huggingface_hub's validate_repo_id accepts it: letters, digits, '-', '_',
// '.', at most 96 characters, no "--" or "..", not starting or ending with
// '-' or '.'.
func validIDPart(s string) bool {
	if s == "" || len(s) > 96 || strings.Contains(s, "--") || strings.Contains(s, "..") {
		return false
	}
	if c := s[0]; c == '-' || c == '.' {
		return false
	}
	if c := s[len(s)-1]; c == '-' || c == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

func methodNotAllowed(req *sdk.Request) *sdk.Response {
	return hfError(405, "MethodNotAllowed", "method "+clip(req.Method)+" not allowed here")
}

// hfError is the hub's error: {"error": message} and the headers
// hf_raise_for_status turns into RepositoryNotFoundError,
// RevisionNotFoundError and EntryNotFoundError.
func hfError(status int, code, msg string) *sdk.Response {
	r := jsonResponse(status, append(sdk.AppendJSONString([]byte(`{"error":`), msg), '}'))
	r.Headers = append(r.Headers, sdk.Header{Name: "X-Error-Code", Value: code},
		sdk.Header{Name: "X-Error-Message", Value: headerSafe(msg)})
	return r
}

func jsonResponse(status int, body []byte) *sdk.Response {
	return &sdk.Response{Status: status, Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}},
		Kind: sdk.BodyBytes, Bytes: body}
}

// headerSafe keeps a message fit for a header value: printable ASCII only.
func headerSafe(s string) string {
	b := []byte(clip(s))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	return string(b)
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
