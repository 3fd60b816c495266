package bazel

// Bazel's HTTP remote cache (https://bazel.build/remote/caching#http-caching):
// GET, HEAD and PUT of /ac/SHA256 (action results, serialized ActionResult
// protos, overwritten as Bazel re-runs actions) and /cas/SHA256 (outputs,
// content-addressed: the body must hash to its key). A miss is 404; a
// stored entry is served by the host. Bazel's remote cache is never
// proxied: a remote repository answers these paths itself (Classify:
// Local).

import (
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// maxActionResult bounds an /ac/ entry (an ActionResult proto lists
// output digests, not contents).
const maxActionResult = 16 << 20

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func cache(h sdk.Host, req *sdk.Request, kind, key string) (*sdk.Response, error) {
	if !isSHA256(key) {
		return nil, sdk.Errorf(400, "%s key %q is not a lower-case hex sha256", kind, clip(key))
	}
	p := kind + "/" + key
	switch req.Method {
	case "GET", "HEAD":
		f, err := h.GetFile(p)
		if err != nil {
			return nil, err
		}
		if f == nil {
			return nil, sdk.Errorf(404, "cache miss: %s", p)
		}
		return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: f.Path}, nil
	case "PUT":
	default:
		return nil, sdk.Errorf(405, "method %s not allowed on the remote cache", req.Method)
	}
	if req.Body == nil {
		return nil, sdk.Errorf(400, "request has no body")
	}
	if kind == "cas" {
		if req.Body.Digest != key {
			return nil, sdk.Errorf(400, "CAS content hashes to sha256 %s, not its key %s", req.Body.Digest, key)
		}
		existing, err := h.GetFile(p)
		if err != nil {
			return nil, err
		}
		if existing != nil {
			// Content-addressed: the same bytes again change nothing.
			return &sdk.Response{Status: 200}, nil
		}
	} else if req.Body.Size > maxActionResult {
		return nil, sdk.Errorf(413, "action result of %d bytes is larger than %d", req.Body.Size, maxActionResult)
	}
	if err := h.StageFile(sdk.StagedFile{Path: p, BlobDigest: req.Body.Digest, ContentType: "application/octet-stream",
		Overwrite: kind == "ac"}); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 200}, nil
}
