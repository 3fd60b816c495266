package huggingface_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestRefusals: every bad request gets the hub's 4xx with X-Error-Code
// (hf_raise_for_status) and stores nothing.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	e.want(e.create("alice/tiny"), 200, "url")
	files := tinyModel()
	r := e.upload("alice/tiny", files, "")
	e.want(r, 200, "commitOid")
	var ci struct{ CommitOid string }
	_ = json.Unmarshal(r.Bytes, &ci)
	nFiles, nKV := len(e.h.Files), len(e.h.KV)

	weights := files["model.safetensors"]
	other := bytes.Repeat([]byte("x"), 100)
	regular := func(p string, b []byte) []byte { return commitBody("c", "", map[string][]byte{p: b}, nil) }
	for _, c := range []struct {
		name, user, method, path, query string
		body                            []byte
		status                          int
		code, msg                       string
	}{
		{"anonymous create", "", "POST", "/api/repos/create", "", []byte(`{"name":"x","organization":"alice"}`), 401, "Unauthorized", "Invalid credentials"},
		{"anonymous commit", "", "POST", "/api/models/alice/tiny/commit/main", "", regular("a.txt", []byte("a")), 401, "Unauthorized", ""},
		{"anonymous LFS batch", "", "POST", "/alice/tiny.git/info/lfs/objects/batch", "", batchBody(other), 401, "Unauthorized", ""},
		{"create twice", "alice", "POST", "/api/repos/create", "", []byte(`{"name":"tiny","organization":"alice"}`), 409, "Conflict", "already created"},
		{"create a dataset", "alice", "POST", "/api/repos/create", "", []byte(`{"name":"d","type":"dataset"}`), 400, "BadRequest", "models only"},
		{"create a bad id", "alice", "POST", "/api/repos/create", "", []byte(`{"name":"a--b"}`), 400, "BadRequest", "invalid repository id"},
		{"unknown repo", "", "GET", "/api/models/alice/nope", "", nil, 404, "RepoNotFound", "Repository Not Found"},
		{"unknown revision", "", "GET", "/api/models/alice/tiny/revision/v9", "", nil, 404, "RevisionNotFound", "Invalid rev id"},
		{"unknown commit", "", "HEAD", "/alice/tiny/resolve/" + strings.Repeat("a", 40) + "/config.json", "", nil, 404, "RevisionNotFound", ""},
		{"unknown file", "", "HEAD", "/alice/tiny/resolve/main/nope.bin", "", nil, 404, "EntryNotFound", "Entry not found"},
		{"unknown tree path", "", "GET", "/api/models/alice/tiny/tree/main/nope", "", nil, 404, "EntryNotFound", ""},
		{"commit to an unknown repo", "alice", "POST", "/api/models/alice/nope/commit/main", "", regular("a.txt", []byte("a")), 404, "RepoNotFound", ""},
		{"stale parent", "alice", "POST", "/api/models/alice/tiny/commit/main", "", commitBody("c", strings.Repeat("b", 40), map[string][]byte{"a": []byte("a")}, nil), 412, "PreconditionFailed", "A commit has happened since"},
		{"path traversal", "alice", "POST", "/api/models/alice/tiny/commit/main", "", regular("../../etc/passwd", []byte("a")), 400, "BadRequest", "invalid path"},
		{"absolute path", "alice", "POST", "/api/models/alice/tiny/commit/main", "", regular("/etc/passwd", []byte("a")), 400, "BadRequest", "invalid path"},
		{"inside .git", "alice", "POST", "/api/models/alice/tiny/commit/main", "", regular(".git/config", []byte("a")), 400, "BadRequest", "invalid path"},
		{"no header", "alice", "POST", "/api/models/alice/tiny/commit/main", "", []byte(`{"key": "file", "value": {"content": "YQ==", "path": "a", "encoding": "base64"}}` + "\n"), 400, "BadRequest", "header"},
		{"not JSON", "alice", "POST", "/api/models/alice/tiny/commit/main", "", []byte("{\"key\": \"header\", \"value\": {\"summary\": \"x\"}}\n{oops\n"), 400, "BadRequest", "not JSON"},
		{"bad base64", "alice", "POST", "/api/models/alice/tiny/commit/main", "", []byte("{\"key\": \"header\", \"value\": {\"summary\": \"x\"}}\n{\"key\": \"file\", \"value\": {\"content\": \"!!\", \"path\": \"a\", \"encoding\": \"base64\"}}\n"), 400, "BadRequest", "not base64"},
		{"LFS object never uploaded", "alice", "POST", "/api/models/alice/tiny/commit/main", "", commitBody("c", "", nil, map[string][]byte{"w.bin": other}), 400, "BadRequest", "was not uploaded"},
		{"LFS object of another size", "alice", "POST", "/api/models/alice/tiny/commit/main", "", bytes.Replace(commitBody("c", "", nil, map[string][]byte{"w.bin": weights}), []byte(`"size": 32768`), []byte(`"size": 5`), 1), 400, "BadRequest", "another size"},
		{"delete a missing file", "alice", "POST", "/api/models/alice/tiny/commit/main", "", commitBody("c", "", nil, nil, "nope.txt"), 404, "EntryNotFound", "A file with this name doesn't exist"},
		{"regular file of 10 MiB", "alice", "POST", "/api/models/alice/tiny/commit/main", "", regular("big.txt", bytes.Repeat([]byte("a"), 10<<20)), 400, "BadRequest", "through LFS"},
		{"forged LFS content", "alice", "PUT", "/alice/tiny.git/info/lfs/objects/" + sha256Hex(weights), "", other, 400, "BadRequest", "not the oid"},
		{"verify a missing object", "alice", "POST", "/alice/tiny.git/info/lfs/objects/verify", "", []byte(`{"oid":"` + sha256Hex(other) + `","size":100}`), 404, "EntryNotFound", "not stored"},
		{"batch of a bad oid", "alice", "POST", "/alice/tiny.git/info/lfs/objects/batch", "", []byte(`{"operation":"download","objects":[]}`), 422, "BadRequest", "upload"},
		{"bad YAML card", "alice", "POST", "/api/models/alice/tiny/commit/main", "", regular("README.md", []byte("---\nlicense: [unclosed\n---\n")), 400, "BadRequest", "not valid YAML"},
		{"YAML alias bomb", "alice", "POST", "/api/models/alice/tiny/commit/main", "", regular("README.md", []byte("---\na: &a [x, x]\nb: [*a, *a]\n---\n")), 400, "BadRequest", "anchors"},
		{"commit to a commit id", "alice", "POST", "/api/models/alice/tiny/commit/" + ci.CommitOid, "", regular("a", []byte("a")), 400, "BadRequest", "branch"},
		{"pull request", "alice", "POST", "/api/models/alice/tiny/commit/main", "create_pr=1", regular("a", []byte("a")), 400, "BadRequest", "pull requests"},
		{"write by GET", "alice", "DELETE", "/alice/tiny/resolve/main/config.json", "", nil, 405, "MethodNotAllowed", ""},
		{"bad repo id", "", "GET", "/api/models/alice/..", "", nil, 404, "RepoNotFound", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(c.user, c.method, c.path, c.query, c.body)
			if r.Status != c.status || header(r, "X-Error-Code") != c.code || !strings.Contains(string(r.Bytes), c.msg) {
				t.Fatalf("%d %s %v, want %d %s %q", r.Status, r.Bytes, r.Headers, c.status, c.code, c.msg)
			}
			if len(e.h.Files) != nFiles || len(e.h.KV) != nKV {
				t.Fatalf("a refused request stored something")
			}
		})
	}
	r = e.do("alice", "POST", "/api/validate-yaml", "", []byte(`{"content":"---\nx: [\n---\n","repoType":"model"}`))
	if r.Status != 400 || !strings.Contains(string(r.Bytes), `"errors":[{"message":"README.md front matter is not valid YAML`) {
		t.Fatalf("validate-yaml: %d %s", r.Status, r.Bytes)
	}
}
