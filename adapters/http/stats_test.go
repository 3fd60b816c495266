package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/core/policy"
	"github.com/keeper-registry/keeper/ports"
)

type stats struct {
	Repositories int            `json:"repositories"`
	ByFormat     map[string]int `json:"by_format"`
	ByType       map[string]int `json:"by_type"`
	Artifacts    int64          `json:"artifacts"`
	StorageBytes int64          `json:"storage_bytes"`
}

// TestSystemStats: the dashboard figures count only what the caller may
// read, summed by the database, and need a signed-in caller.
func TestSystemStats(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, dsn(t), 1<<20)
			e.createRepo(map[string]any{"key": "pub", "format": "generic", "is_public": true})
			e.createRepo(map[string]any{"key": "priv", "format": "other"})
			e.createRepo(map[string]any{"key": "mirror", "format": "generic", "repo_type": "remote", "upstream_url": "https://up.test/x"})
			for path, body := range map[string]string{"pub/a.txt": "12345", "pub/b/c.txt": "678", "priv/secret.bin": "0123456789"} {
				key, p, _ := strings.Cut(path, "/")
				resp, data := e.do("PUT", "/api/v1/repositories/"+key+"/artifacts/"+p, e.token, strings.NewReader(body))
				if resp.StatusCode != http.StatusCreated {
					t.Fatalf("put %s: %d %s", path, resp.StatusCode, data)
				}
			}
			var st stats
			e.doJSON("GET", "/api/v1/system/stats", e.token, nil, 200, &st)
			if st.Repositories != 3 || st.ByFormat["generic"] != 2 || st.ByFormat["other"] != 1 || st.ByType["remote"] != 1 ||
				st.ByType["local"] != 2 || st.Artifacts != 3 || st.StorageBytes != 18 {
				t.Fatalf("admin: %+v", st)
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
			st = stats{}
			e.doJSON("GET", "/api/v1/system/stats", tok, nil, 200, &st)
			if st.Repositories != 1 || st.ByFormat["other"] != 0 || st.Artifacts != 2 || st.StorageBytes != 8 {
				t.Fatalf("reader of pub only: %+v", st)
			}
			e.doJSON("GET", "/api/v1/system/stats", "", nil, 401, nil)
		})
	}
}
