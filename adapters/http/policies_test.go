package http_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/core/policy"
	"github.com/keeper-registry/keeper/ports"
)

// TestPolicyBodiesWithoutRules replays the bodies that once deleted every
// rule and locked the admin out (issue 23.1): each is a 400 that changes
// nothing, and the admin keeps every right whatever the rules say.
func TestPolicyBodiesWithoutRules(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		var before struct {
			Version int64
			Rules   []ports.PolicyRule
		}
		e.doJSON("GET", "/api/v1/policies", e.token, nil, 200, &before)
		for _, body := range []string{`{}`, `{"rules":[]}`, `{"rules":null}`, `{"version":1}`} {
			resp, data := e.do("PUT", "/api/v1/policies", e.token, strings.NewReader(body), "Content-Type", "application/json")
			if resp.StatusCode != 400 || !strings.Contains(string(data), "rules") {
				t.Errorf("PUT %s: %d %s, want 400 naming rules", body, resp.StatusCode, data)
			}
		}
		var after struct {
			Version int64
			Rules   []ports.PolicyRule
		}
		e.doJSON("GET", "/api/v1/policies", e.token, nil, 200, &after)
		if after.Version != before.Version || len(after.Rules) != len(before.Rules) {
			t.Fatalf("refused bodies changed the policy: v%d→v%d, %d→%d rules", before.Version, after.Version, len(before.Rules), len(after.Rules))
		}
		// Even a rule set that names no admin at all (and denies the admin) leaves the admin an admin.
		e.putPolicy([]ports.PolicyRule{{Kind: "p", Subject: "user:admin", Object: "*", Action: "*", Effect: "deny"}})
		e.doJSON("GET", "/api/v1/policies", e.token, nil, 200, nil)
		e.doJSON("GET", "/api/v1/users", e.token, nil, 200, nil)
		e.putPolicy(policy.Defaults())
	})
}

// TestPolicyAuthorCannotEscalate: a policy author who is not an admin may
// not grant roles or rights they do not hold, nor admin or "*" at all
// (issue 20.7); the admin may.
func TestPolicyAuthorCannotEscalate(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		for _, k := range []string{"libs", "secret"} {
			e.createRepo(map[string]any{"key": k, "format": "generic"})
		}
		_, carol := e.addUser("carol", nil)
		e.addUser("dave", nil)
		base := append(policy.Defaults(),
			ports.PolicyRule{Kind: "g", Subject: "user:carol", Object: policy.RolePolicyAuthor},
			ports.PolicyRule{Kind: "p", Subject: "user:carol", Object: "libs", Action: "read"},
			ports.PolicyRule{Kind: "p", Subject: "user:carol", Object: "libs", Action: "write", Effect: "deny"},
		)
		e.putPolicy(base)
		put := func(extra []ports.PolicyRule, drop int, want int) {
			t.Helper()
			rules := append([]ports.PolicyRule{}, base...)
			if drop >= 0 {
				rules = append(rules[:drop], rules[drop+1:]...)
			}
			rules = append(rules, extra...)
			resp, data := e.do("PUT", "/api/v1/policies", carol, strings.NewReader(mustJSON(t, map[string]any{"rules": rules})),
				"Content-Type", "application/json")
			if resp.StatusCode != want {
				t.Errorf("carol saves %+v (dropping %d): %d %s, want %d", extra, drop, resp.StatusCode, data, want)
			}
		}
		attacks := [][]ports.PolicyRule{
			{{Kind: "g", Subject: "user:carol", Object: policy.RoleAdmin}},
			{{Kind: "p", Subject: "user:carol", Object: "*", Action: "admin"}},
			{{Kind: "p", Subject: "user:carol", Object: "*", Action: "*"}},
			{{Kind: "g", Subject: "user:carol", Object: policy.RoleDeveloper}},
			{{Kind: "p", Subject: "user:carol", Object: "secret", Action: "read"}},
			{{Kind: "p", Subject: "user:dave", Object: "*", Action: "read"}},
			{{Kind: "g", Subject: "role:x", Object: policy.RoleAdmin}, {Kind: "g", Subject: "user:carol", Object: "role:x"}},
		}
		for _, a := range attacks {
			put(a, -1, 403)
		}
		put(nil, len(base)-1, 403) // removing the deny that binds her
		if resp, _ := e.do("PUT", "/api/v1/repositories/libs/artifacts/x", carol, strings.NewReader("x")); resp.StatusCode != 403 {
			t.Fatalf("a refused policy still took effect: %d", resp.StatusCode)
		}
		// What she holds she may share.
		put([]ports.PolicyRule{{Kind: "p", Subject: "user:dave", Object: "libs", Action: "read"}}, -1, 200)
		var events struct{ Total int }
		e.doJSON("GET", "/api/v1/admin/audit?action=policy.replace&actor=carol", e.token, nil, 200, &events)
		if events.Total != len(attacks)+2 {
			t.Errorf("%d policy saves by carol audited, want %d", events.Total, len(attacks)+2)
		}
		// The admin grants freely.
		e.putPolicy(append(base, ports.PolicyRule{Kind: "g", Subject: "user:dave", Object: policy.RoleAdmin}))
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustJSONString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
