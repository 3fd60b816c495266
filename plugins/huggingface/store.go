package huggingface

import (
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Storage layout (one Keeper repository holds many hub repositories):
//
//	KV repos/ID                 {}                         the hub repository exists
//	KV refs/ID@BRANCH           commit sha                 a branch head
//	KV commits/ID@SHA           commit JSON (below)        the tree of a commit
//	version ID / SHA            the same commit JSON       searchable (cardData, tags, description),
//	                            + its rendered documents  (assembled.go)
//	file    ID/objects/SHA256   every file's content, stored once per hub repository
const (
	nsRepos   = "repos"
	nsRefs    = "refs"
	nsCommits = "commits"

	defaultBranch = "main"
	// maxCommitDoc bounds a stored commit document the plugin decodes.
	maxCommitDoc = 16 << 20
)

// entry is one file of a commit's tree.
type entry struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// OID is the git blob id the hub shows: of the content, or of the LFS
	// pointer file for LFS entries.
	OID string `json:"oid"`
	LFS bool   `json:"lfs,omitempty"`
}

// commit is a stored commit: its tree in path order and what the model
// card (README.md front matter) says; the description, tags and cardData
// members are what Keeper's search reads.
type commit struct {
	ID          string         `json:"id"`
	Parent      string         `json:"parent,omitempty"`
	Title       string         `json:"title"`
	Message     string         `json:"message,omitempty"`
	Author      string         `json:"author,omitempty"`
	Description string         `json:"description,omitempty"`
	Tags        []string       `json:"tags,omitempty"`
	CardData    map[string]any `json:"cardData,omitempty"`
	Files       []entry        `json:"files"`
}

func (c *commit) find(path string) *entry {
	for i := range c.Files {
		if c.Files[i].Path == path {
			return &c.Files[i]
		}
	}
	return nil
}

// objectPath is where a content blob of hub repository id is stored.
func objectPath(id, sha256 string) string { return id + "/objects/" + sha256 }

type repoInfo struct{}

func getRepo(h sdk.Host, id string) (*repoInfo, error) {
	v, ok, err := h.KVGet(nsRepos, id)
	if err != nil || !ok {
		return nil, err
	}
	var ri repoInfo
	if json.Unmarshal(v, &ri) != nil {
		return &repoInfo{}, nil
	}
	return &ri, nil
}

// lookup resolves rev (a branch or a 40-hex commit id) of hub repository id;
// a nil commit with a response is the hub's 404.
func lookup(h sdk.Host, id, rev string) (*commit, *sdk.Response, error) {
	if rev == "" {
		rev = defaultBranch
	}
	sha, resp, err := resolveRev(h, id, rev)
	if resp != nil || err != nil {
		return nil, resp, err
	}
	if sha == "" {
		return &commit{}, nil, nil // a created repository without a commit
	}
	c, err := loadCommit(h, id, sha)
	if err != nil {
		return nil, nil, err
	}
	if c == nil {
		return nil, revNotFound(rev), nil
	}
	return c, nil, nil
}

// resolveRev is the commit id rev names in hub repository id, without
// reading the commit: "" for the default branch of a repository without a
// commit; a response is the hub's 404.
func resolveRev(h sdk.Host, id, rev string) (string, *sdk.Response, error) {
	ri, err := getRepo(h, id)
	if err != nil {
		return "", nil, err
	}
	if ri == nil {
		return "", hfError(404, "RepoNotFound", "Repository Not Found for url: model "+id), nil
	}
	if rev == "" {
		rev = defaultBranch
	}
	if isCommitID(rev) {
		return rev, nil, nil
	}
	v, ok, err := h.KVGet(nsRefs, id+"@"+rev)
	if err != nil || ok {
		return string(v), nil, err
	}
	if rev == defaultBranch {
		return "", nil, nil
	}
	return "", revNotFound(rev), nil
}

func revNotFound(rev string) *sdk.Response {
	return hfError(404, "RevisionNotFound", "Invalid rev id: "+clip(rev))
}

func loadCommit(h sdk.Host, id, sha string) (*commit, error) {
	v, ok, err := h.KVGet(nsCommits, id+"@"+sha)
	if err != nil || !ok {
		return nil, err
	}
	var c commit
	if len(v) > maxCommitDoc || json.Unmarshal(v, &c) != nil {
		return nil, sdk.Errorf(500, "stored commit %s of %s is unreadable", sha, id)
	}
	return &c, nil
}

func isCommitID(s string) bool {
	if len(s) != 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// validPath is a file path of a hub repository: relative, '/'-separated,
// no empty, "." or ".." segment, no backslash or control character, not
// inside .git, at most 1024 bytes.
func validPath(p string) bool {
	if p == "" || len(p) > 1024 || strings.ContainsAny(p, "\\\x00") {
		return false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		for i := 0; i < len(seg); i++ {
			if seg[i] < 0x20 || seg[i] == 0x7f {
				return false
			}
		}
	}
	return p != ".git" && !strings.HasPrefix(p, ".git/")
}
