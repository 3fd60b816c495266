package huggingface

import (
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// No Rewrite: the hub's documents carry no URLs (commitUrl only answers a
// write), and a rewriter would make the host hold every mutable download,
// model weights included, in memory.
var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// maxDocBytes bounds a member's document the plugin decodes.
const maxDocBytes = 32 << 20

// Classify implements sdk.Classifier: stored objects, files at a commit id
// and model info at a commit id never change; the API's other documents
// do. A file at a branch is Unknown: a remote revalidates it like a mutable
// path, and a virtual repository resolves it by member (the member's own
// answer keeps X-Repo-Commit, which a merged document would lose).
func (Plugin) Classify(path string) sdk.CacheClass {
	p := strings.TrimPrefix(path, "/")
	if rest, ok := strings.CutPrefix(p, "api/models/"); ok {
		if _, sub, ok := cutRepoID(rest); ok {
			if rev, ok := strings.CutPrefix(sub, "revision/"); ok && isCommitID(rev) {
				return sdk.Immutable
			}
		}
		return sdk.Mutable
	}
	if strings.HasPrefix(p, "api/") {
		return sdk.Mutable
	}
	if _, rest, ok := cutRepoID(p); ok {
		if sha, ok := strings.CutPrefix(rest, "objects/"); ok && isSHA256(sha) {
			return sdk.Immutable
		}
		if r, ok := strings.CutPrefix(rest, "resolve/"); ok {
			if rev, _, _ := strings.Cut(r, "/"); isCommitID(rev) {
				return sdk.Immutable
			}
		}
	}
	return sdk.Unknown
}

// Merge implements sdk.Merger for virtual repositories: a hub repository
// is a history, not a set, so the model info or tree of the first member
// that has the repository is the answer (members' trees are not mixed).
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	for _, d := range docs {
		if len(d) > maxDocBytes || !json.Valid(d) {
			continue
		}
		var probe any
		if json.Unmarshal(d, &probe) != nil {
			continue
		}
		switch v := probe.(type) {
		case map[string]any:
			if _, isErr := v["error"]; isErr {
				continue
			}
		case []any:
		default:
			continue
		}
		return d, nil
	}
	return nil, sdk.Errorf(404, "not found in any member: %s", clip(path))
}
