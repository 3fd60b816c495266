package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/core/policy"
	"github.com/keeper-registry/keeper/ports"
)

// TestNoExistenceOracle: a private repository answers exactly like a missing
// one to callers who may not read it (401 to anonymous callers, 404 to
// signed-in ones), and listings do not count hidden repositories (issue
// 20.15). An upload session is usable only by its creator, even by another
// writer of the same repository who knows its id (issue 20.18).
func TestNoExistenceOracle(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "pub", "format": "generic", "is_public": true})
		e.createRepo(map[string]any{"key": "priv", "format": "generic"})
		e.createRepo(map[string]any{"key": "priv2", "format": "generic"})
		_, mallory := e.addUser("mallory", nil) // a writer everywhere under the default policy

		t.Run("upload sessions are bound to their creator", func(t *testing.T) {
			var u struct {
				SessionID string `json:"session_id"`
			}
			e.doJSON("POST", "/api/v1/uploads", e.token, map[string]any{"repository_key": "priv", "artifact_path": "x.bin", "total_size": 3, "checksum_sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}, 201, &u)
			for _, r := range []struct{ method, path string }{
				{"GET", "/api/v1/uploads/" + u.SessionID},
				{"PATCH", "/api/v1/uploads/" + u.SessionID},
				{"PUT", "/api/v1/uploads/" + u.SessionID + "/complete"},
				{"DELETE", "/api/v1/uploads/" + u.SessionID},
			} {
				resp, data := e.do(r.method, r.path, mallory, strings.NewReader("abc"))
				if resp.StatusCode != http.StatusNotFound {
					t.Fatalf("%s %s by another writer: %d %s", r.method, r.path, resp.StatusCode, data)
				}
			}
			resp, data := e.do("PATCH", "/api/v1/uploads/"+u.SessionID, e.token, strings.NewReader("abc"))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("creator's PATCH: %d %s", resp.StatusCode, data)
			}
		})

		// Signed-in users get no rights of their own from here on.
		var rules []ports.PolicyRule
		for _, r := range policy.Defaults() {
			if !(r.Kind == "g" && r.Subject == policy.RoleAuthenticated) {
				rules = append(rules, r)
			}
		}
		e.putPolicy(rules)

		for _, path := range []string{"", "/artifacts", "/artifacts/a.txt", "/download/a.txt", "/members"} {
			for _, who := range []struct {
				name, token string
				want        int
			}{{"anonymous", "", 401}, {"signed in", mallory, 404}} {
				respP, dataP := e.do("GET", "/api/v1/repositories/priv"+path, who.token, nil)
				respM, dataM := e.do("GET", "/api/v1/repositories/missing"+path, who.token, nil)
				if respP.StatusCode != who.want || respM.StatusCode != who.want || errorCode(t, dataP) != errorCode(t, dataM) {
					t.Fatalf("%s %s: private %d %s, missing %d %s", who.name, path, respP.StatusCode, dataP, respM.StatusCode, dataM)
				}
			}
		}
		resp, data := e.do("PUT", "/api/v1/repositories/priv/artifacts/a.txt", mallory, strings.NewReader("x"))
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("write to an unreadable repository: %d %s", resp.StatusCode, data)
		}

		for _, who := range []struct{ name, token string }{{"anonymous", ""}, {"signed in", mallory}} {
			var list struct {
				Items []struct{ Key string } `json:"items"`
				Total int                    `json:"total"`
			}
			e.doJSON("GET", "/api/v1/repositories", who.token, nil, 200, &list)
			if list.Total != len(list.Items) || list.Total > 1 || who.token == "" && list.Total != 1 {
				t.Fatalf("%s listing counts hidden repositories: %+v", who.name, list)
			}
			for _, it := range list.Items {
				if it.Key != "pub" {
					t.Fatalf("%s sees %s", who.name, it.Key)
				}
			}
		}
		var list struct{ Total int }
		e.doJSON("GET", "/api/v1/repositories?limit=1&offset=1", e.token, nil, 200, &list)
		if list.Total != 3 {
			t.Fatalf("admin total %d, want 3", list.Total)
		}
	})
}

// TestUpstreamCredentialsAreWriteOnly: the credentials of a remote
// repository (in its upstream URL or a secret config key) are never
// returned, to an admin or to anonymous callers of a public repository, and
// a PATCH that round-trips the redacted view keeps them (issue 20.12).
func TestUpstreamCredentialsAreWriteOnly(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "up", "format": "generic", "repo_type": "remote", "is_public": true,
			"upstream_url": "https://bob:hunter2@mirror.example/files", "config": map[string]string{"upstream_password": "hunter3", "mode": "fast"}})
		for _, token := range []string{e.token, ""} {
			for _, path := range []string{"/api/v1/repositories/up", "/api/v1/repositories"} {
				resp, data := e.do("GET", path, token, nil)
				if resp.StatusCode != http.StatusOK || strings.Contains(string(data), "hunter") || strings.Contains(string(data), "bob") ||
					!strings.Contains(string(data), `"secrets_set":["upstream_credentials","upstream_password"]`) || !strings.Contains(string(data), `"mode":"fast"`) {
					t.Fatalf("GET %s (token %v): %d %s", path, token != "", resp.StatusCode, data)
				}
			}
		}
		var view map[string]any
		e.doJSON("GET", "/api/v1/repositories/up", e.token, nil, 200, &view)
		e.doJSON("PATCH", "/api/v1/repositories/up", e.token, map[string]any{"upstream_url": view["upstream_url"], "config": view["config"]}, 200, nil)
		r, err := e.store.GetRepository(t.Context(), "up")
		if err != nil || r.UpstreamURL != "https://bob:hunter2@mirror.example/files" || r.Config["upstream_password"] != "hunter3" {
			t.Fatalf("round trip lost the credentials: %+v %v", r, err)
		}
	})
}
