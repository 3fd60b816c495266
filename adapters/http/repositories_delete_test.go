package http_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
)

// TestRepositoryErrorsAndSafeDelete: messages speak of repositories, never
// of the store; a repository holding files is deleted only with
// ?force=true; every change is audited with its actor and client address.
func TestRepositoryErrorsAndSafeDelete(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "libs", "format": "generic", "repo_type": "local", "description": "Shared Libraries"})
		e.createRepo(map[string]any{"key": "empty", "format": "generic", "repo_type": "local"})

		data := e.doJSON("POST", "/api/v1/repositories", e.token, map[string]any{"key": "libs", "format": "generic", "repo_type": "local"}, 409, nil)
		if msg := errorMessage(t, data); msg != `repository "libs" already exists` {
			t.Errorf("duplicate: %q", msg)
		}
		for _, req := range []struct{ method, path string }{{"GET", "/api/v1/repositories/nope"},
			{"PATCH", "/api/v1/repositories/nope"}, {"DELETE", "/api/v1/repositories/nope"}} {
			var body any
			if req.method == "PATCH" {
				body = map[string]any{"description": "x"}
			}
			data := e.doJSON(req.method, req.path, e.token, body, 404, nil)
			if msg := errorMessage(t, data); msg != `repository "nope" not found` {
				t.Errorf("%s %s: %q", req.method, req.path, msg)
			}
		}

		for _, p := range []string{"a.txt", "b.txt"} {
			resp, data := e.do("PUT", "/api/v1/repositories/libs/artifacts/"+p, e.token, bytes.NewReader([]byte(p)))
			if resp.StatusCode != 201 {
				t.Fatalf("put %s: %d %s", p, resp.StatusCode, data)
			}
		}
		data = e.doJSON("DELETE", "/api/v1/repositories/libs", e.token, nil, 409, nil)
		if msg := errorMessage(t, data); !strings.Contains(msg, "holds 2 files") || !strings.Contains(msg, "?force=true") {
			t.Errorf("non-empty delete: %q", msg)
		}
		e.doJSON("GET", "/api/v1/repositories/libs", e.token, nil, 200, nil)
		e.doJSON("DELETE", "/api/v1/repositories/libs?force=maybe", e.token, nil, 400, nil)
		e.doJSON("DELETE", "/api/v1/repositories/empty", e.token, nil, 204, nil)
		e.doJSON("DELETE", "/api/v1/repositories/libs?force=true", e.token, nil, 204, nil)
		e.doJSON("GET", "/api/v1/repositories/libs", e.token, nil, 404, nil)

		var log struct {
			Items []struct{ Actor, Action, Target, IP, Detail string } `json:"items"`
		}
		e.doJSON("GET", "/api/v1/admin/audit?limit=100", e.token, nil, 200, &log)
		seen := map[string]bool{}
		for _, ev := range log.Items {
			if ev.Actor != "admin" || ev.IP == "" {
				continue
			}
			seen[ev.Action+" "+ev.Target+" "+ev.Detail] = true
		}
		for _, want := range []string{"repository.create libs format=generic type=local public=false", "repository.delete empty ",
			"repository.delete libs forced", "artifact.publish libs/a.txt sha256=" + sha256Hex([]byte("a.txt")) + " size=5"} {
			if !seen[want] {
				t.Errorf("audit lacks %q with actor and address; has %v", want, seen)
			}
		}
	})
}

// TestRepositorySearch: ?q= matches a case-insensitive substring of the
// key, name or description; LIKE wildcards in it are literal.
func TestRepositorySearch(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "libs-release", "format": "generic", "repo_type": "local", "description": "Shared Libraries"})
		e.createRepo(map[string]any{"key": "docs", "format": "generic", "repo_type": "local", "name": "Manuals"})
		e.createRepo(map[string]any{"key": "a_b", "format": "generic", "repo_type": "local"})
		e.createRepo(map[string]any{"key": "axb", "format": "generic", "repo_type": "local", "description": "100% pure"})
		for q, want := range map[string]string{"release": "libs-release", "LIBRAR": "libs-release", "manual": "docs",
			"a_b": "a_b", "0%": "axb", "": "a_b,axb,docs,libs-release", "zzz": ""} {
			var list struct {
				Items []struct{ Key string } `json:"items"`
				Total int                    `json:"total"`
			}
			e.doJSON("GET", "/api/v1/repositories?q="+urlQuery(q), e.token, nil, 200, &list)
			var keys []string
			for _, it := range list.Items {
				keys = append(keys, it.Key)
			}
			if got := strings.Join(keys, ","); got != want || list.Total != len(keys) {
				t.Errorf("q=%q: %q (total %d), want %q", q, got, list.Total, want)
			}
		}
		e.doJSON("GET", "/api/v1/repositories?q="+strings.Repeat("x", 201), e.token, nil, 400, nil)
	})
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func urlQuery(s string) string { return url.QueryEscape(s) }
