package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/core/policy"
	"github.com/keeper-registry/keeper/ports"
)

// TestArtifactHistory: one path's audit events, newest first, surviving a
// delete; readers of the repository may see them (without addresses),
// others get the answer of a missing repository.
func TestArtifactHistory(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, dsn(t), 1<<20)
			e.createRepo(map[string]any{"key": "pub", "format": "generic", "is_public": true})
			e.createRepo(map[string]any{"key": "priv", "format": "generic"})
			put := func(key, path, body string) {
				t.Helper()
				resp, data := e.do("PUT", "/api/v1/repositories/"+key+"/artifacts/"+path, e.token, strings.NewReader(body))
				if resp.StatusCode != http.StatusCreated {
					t.Fatalf("put %s/%s: %d %s", key, path, resp.StatusCode, data)
				}
			}
			put("pub", "dir/a.txt", "one")
			put("pub", "dir/a.txt.sig", "other path")
			put("priv", "dir/a.txt", "same path, other repository")
			e.doJSON("DELETE", "/api/v1/repositories/pub/artifacts/dir/a.txt", e.token, nil, 204, nil)
			put("pub", "dir/a.txt", "two")

			type history struct {
				Repository string           `json:"repository"`
				Path       string           `json:"path"`
				Items      []map[string]any `json:"items"`
				Total      int              `json:"total"`
			}
			var h history
			raw := e.doJSON("GET", "/api/v1/repositories/pub/history/dir/a.txt", e.token, nil, 200, &h)
			if h.Repository != "pub" || h.Path != "dir/a.txt" || h.Total != 3 || len(h.Items) != 3 {
				t.Fatalf("history: %s", raw)
			}
			for i, want := range []string{"artifact.publish", "artifact.delete", "artifact.publish"} {
				if h.Items[i]["action"] != want || h.Items[i]["actor"] != "admin" || h.Items[i]["outcome"] != "success" {
					t.Errorf("event %d: %v, want %s by admin", i, h.Items[i], want)
				}
			}
			if strings.Contains(string(raw), `"ip"`) {
				t.Errorf("history shows addresses: %s", raw)
			}
			e.doJSON("GET", "/api/v1/repositories/pub/history/dir/a.txt?limit=1&offset=1", e.token, nil, 200, &h)
			if len(h.Items) != 1 || h.Items[0]["action"] != "artifact.delete" || h.Total != 3 {
				t.Errorf("page 2 of 1: %+v", h)
			}
			e.doJSON("GET", "/api/v1/repositories/pub/history/dir/none.txt", e.token, nil, 200, &h)
			if len(h.Items) != 0 || h.Total != 0 {
				t.Errorf("a path never stored: %+v", h)
			}

			// A signed-in user who may read only the public repository.
			_, tok := e.addUser("mallory", nil)
			var rules []ports.PolicyRule
			for _, r := range policy.Defaults() {
				if !(r.Kind == "g" && r.Subject == policy.RoleAuthenticated) {
					rules = append(rules, r)
				}
			}
			e.putPolicy(rules)
			e.doJSON("GET", "/api/v1/repositories/pub/history/dir/a.txt", tok, nil, 200, &h)
			if h.Total != 3 {
				t.Errorf("reader: %+v", h)
			}
			if code := errorCode(t, e.doJSON("GET", "/api/v1/repositories/priv/history/dir/a.txt", tok, nil, 404, nil)); code != "not_found" {
				t.Errorf("unreadable repository: %s", code)
			}
			e.doJSON("GET", "/api/v1/repositories/pub/history/dir/a.txt", "", nil, 401, nil)
			e.doJSON("GET", "/api/v1/repositories/nope/history/dir/a.txt", e.token, nil, 404, nil)
		})
	}
}
