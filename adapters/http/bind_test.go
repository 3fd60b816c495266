package http_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestUnknownFieldsRefused: every JSON API refuses a field it does not
// know with a 400 naming it, rather than ignoring it (`"isPublic": true`
// once created a private repository). Wrong types and trailing data are
// refused as well.
func TestUnknownFieldsRefused(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/keeper.db", 1<<30)
	e.createRepo(map[string]any{"key": "virt", "format": "generic", "repo_type": "virtual"})
	cases := []struct{ method, path, body, says string }{
		{"POST", "/api/v1/repositories", `{"key":"x","format":"generic","repo_type":"local","isPublic":true}`, `unknown field "isPublic"`},
		{"PATCH", "/api/v1/repositories/virt", `{"descripton":"typo"}`, `unknown field "descripton"`},
		{"POST", "/api/v1/repositories/virt/members", `{"repo":"x"}`, `unknown field "repo"`},
		{"PUT", "/api/v1/repositories/virt/members", `{"members":[]}`, `unknown field "members"`},
		{"POST", "/api/v1/auth/login", `{"username":"admin","password":"` + adminPassword + `","remember":true}`, `unknown field "remember"`},
		{"POST", "/api/v1/users/me/tokens", `{"name":"t","expires":"never"}`, `unknown field "expires"`},
		{"POST", "/api/v1/users", `{"username":"u1","password":"long-enough-password","admin":true}`, `unknown field "admin"`},
		{"POST", "/api/v1/groups", `{"name":"g","users":[]}`, `unknown field "users"`},
		{"POST", "/api/v1/policies/check", `{"action":"read","repo":"x"}`, `unknown field "repo"`},
		{"POST", "/api/v1/uploads", `{"repository_key":"virt","artifact_path":"a","bytes":1}`, `unknown field "bytes"`},
		{"POST", "/api/v1/repositories", `{"key":"x","format":"generic","is_public":"yes"}`, `field "is_public" must be true or false`},
		{"POST", "/api/v1/repositories", `{"key":"x","format":"generic"} {"key":"y"}`, "more than one JSON value"},
		{"POST", "/api/v1/repositories", `{"key":`, "malformed JSON body"},
		{"POST", "/api/v1/repositories", ``, "request body is empty"},
		{"POST", "/api/v1/repositories", `[1]`, "JSON body must be an object"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path+" "+c.says, func(t *testing.T) {
			resp, data := e.do(c.method, c.path, e.token, strings.NewReader(c.body), "Content-Type", "application/json")
			if resp.StatusCode != 400 || errorCode(t, data) != "invalid" || !strings.Contains(errorMessage(t, data), c.says) {
				t.Fatalf("status %d %s, want 400 saying %s", resp.StatusCode, data, c.says)
			}
		})
	}
	// Nothing was created by the refused request.
	resp, _ := e.do("GET", "/api/v1/repositories/x", e.token, nil)
	if resp.StatusCode != 404 {
		t.Fatalf("repository x exists after refused creates: %d", resp.StatusCode)
	}
	// An oversized body is a 413, not a parse error.
	big := `{"key":"x","description":"` + strings.Repeat("a", 2<<20) + `"}`
	if resp, data := e.do("POST", "/api/v1/repositories", e.token, strings.NewReader(big), "Content-Type", "application/json"); resp.StatusCode != 413 {
		t.Fatalf("2 MiB body: %d %s, want 413", resp.StatusCode, data)
	}
}

// errorMessage decodes the {"error":{"message"}} body.
func errorMessage(t *testing.T, data []byte) string {
	t.Helper()
	var b struct {
		Error struct{ Message string } `json:"error"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatalf("not an error body: %s", data)
	}
	return b.Error.Message
}
