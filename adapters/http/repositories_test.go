package http_test

import (
	"strings"
	"testing"
)

func TestRepositoriesCRUDAndValidation(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "libs", "name": "Libraries", "format": "generic", "repo_type": "local", "is_public": true, "description": "d"})
		e.createRepo(map[string]any{"key": "other-local", "format": "other", "repo_type": "local"})
		e.createRepo(map[string]any{"key": "proxy", "format": "generic", "repo_type": "remote", "upstream_url": "http://127.0.0.1:1/x"})

		var got map[string]any
		e.doJSON("GET", "/api/v1/repositories/libs", e.token, nil, 200, &got)
		if got["name"] != "Libraries" || got["repo_type"] != "local" || got["is_public"] != true || got["format"] != "generic" {
			t.Fatalf("unexpected repository: %v", got)
		}

		cases := []struct {
			name   string
			body   map[string]any
			status int
			says   string
		}{
			{"bad key charset", map[string]any{"key": "Bad Key!", "format": "generic", "repo_type": "local"}, 400, "key"},
			{"key too long", map[string]any{"key": strings.Repeat("a", 65), "format": "generic", "repo_type": "local"}, 400, "key"},
			{"unknown format names known ones", map[string]any{"key": "x1", "format": "nope", "repo_type": "local"}, 400, "known formats: generic, other"},
			{"unknown type", map[string]any{"key": "x2", "format": "generic", "repo_type": "weird"}, 400, "repo_type"},
			{"duplicate key", map[string]any{"key": "libs", "format": "generic", "repo_type": "local"}, 409, "libs"},
			{"remote without upstream", map[string]any{"key": "x3", "format": "generic", "repo_type": "remote"}, 400, "upstream_url"},
			{"virtual with missing member", map[string]any{"key": "x4", "format": "generic", "repo_type": "virtual", "member_repos": []map[string]any{{"repo_key": "ghost", "priority": 1}}}, 400, "ghost"},
			{"virtual with other format", map[string]any{"key": "x5", "format": "generic", "repo_type": "virtual", "member_repos": []map[string]any{{"repo_key": "other-local", "priority": 1}}}, 400, "other-local"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				data := e.doJSON("POST", "/api/v1/repositories", e.token, c.body, c.status, nil)
				errorCode(t, data)
				if !strings.Contains(string(data), c.says) {
					t.Fatalf("error %s does not mention %q", data, c.says)
				}
			})
		}

		// Virtual repository and its members.
		e.createRepo(map[string]any{"key": "all", "format": "generic", "repo_type": "virtual",
			"member_repos": []map[string]any{{"repo_key": "libs", "priority": 2}}})
		var members struct {
			Items []struct {
				RepoKey  string `json:"repo_key"`
				Priority int    `json:"priority"`
			} `json:"items"`
		}
		e.doJSON("POST", "/api/v1/repositories/all/members", e.token, map[string]any{"repo_key": "proxy", "priority": 1}, 200, &members)
		if len(members.Items) != 2 {
			t.Fatalf("members after add: %+v", members)
		}
		e.doJSON("PUT", "/api/v1/repositories/all/members", e.token, map[string]any{"member_repos": []map[string]any{{"repo_key": "proxy", "priority": 5}}}, 200, &members)
		e.doJSON("GET", "/api/v1/repositories/all/members", e.token, nil, 200, &members)
		if len(members.Items) != 1 || members.Items[0].RepoKey != "proxy" || members.Items[0].Priority != 5 {
			t.Fatalf("members after replace: %+v", members)
		}
		data := e.doJSON("PUT", "/api/v1/repositories/all/members", e.token, map[string]any{"member_repos": []map[string]any{{"repo_key": "other-local"}}}, 400, nil)
		errorCode(t, data)
		// A member of a virtual repository cannot be deleted out from under it.
		e.doJSON("DELETE", "/api/v1/repositories/proxy", e.token, nil, 409, nil)

		// One level of virtual repositories; the deployment target is a local member.
		for body, says := range map[string]map[string]any{
			"virtual repository": {"key": "nest", "format": "generic", "repo_type": "virtual",
				"member_repos": []map[string]any{{"repo_key": "all", "priority": 1}}},
			"not a member": {"key": "dep1", "format": "generic", "repo_type": "virtual",
				"member_repos": []map[string]any{{"repo_key": "libs", "priority": 1}}, "config": map[string]string{"deploy_to": "ghost"}},
			"must be a local member": {"key": "dep2", "format": "generic", "repo_type": "virtual",
				"member_repos": []map[string]any{{"repo_key": "proxy", "priority": 1}}, "config": map[string]string{"deploy_to": "proxy"}},
		} {
			data := e.doJSON("POST", "/api/v1/repositories", e.token, says, 400, nil)
			if !strings.Contains(string(data), body) {
				t.Fatalf("error %s does not say %q", data, body)
			}
		}

		// List with filters and pagination.
		var list struct {
			Items []map[string]any `json:"items"`
			Total int              `json:"total"`
		}
		e.doJSON("GET", "/api/v1/repositories?format=generic", e.token, nil, 200, &list)
		if list.Total != 3 || len(list.Items) != 3 {
			t.Fatalf("format filter: total %d items %d", list.Total, len(list.Items))
		}
		e.doJSON("GET", "/api/v1/repositories?type=remote", e.token, nil, 200, &list)
		if list.Total != 1 || list.Items[0]["key"] != "proxy" {
			t.Fatalf("type filter: %+v", list)
		}
		e.doJSON("GET", "/api/v1/repositories?limit=2&offset=2", e.token, nil, 200, &list)
		if list.Total != 4 || len(list.Items) != 2 {
			t.Fatalf("pagination: total %d items %d", list.Total, len(list.Items))
		}
		// Anonymous callers see only public repositories.
		e.doJSON("GET", "/api/v1/repositories", "", nil, 200, &list)
		if len(list.Items) != 1 || list.Items[0]["key"] != "libs" {
			t.Fatalf("anonymous listing: %+v", list.Items)
		}

		// PATCH and DELETE.
		e.doJSON("PATCH", "/api/v1/repositories/libs", e.token, map[string]any{"description": "new", "is_public": false}, 200, &got)
		if got["description"] != "new" || got["is_public"] != false {
			t.Fatalf("patch: %v", got)
		}
		e.doJSON("PATCH", "/api/v1/repositories/proxy", e.token, map[string]any{"upstream_url": ""}, 400, nil)
		e.doJSON("DELETE", "/api/v1/repositories/all", e.token, nil, 204, nil)
		e.doJSON("GET", "/api/v1/repositories/all", e.token, nil, 404, nil)
		e.doJSON("DELETE", "/api/v1/repositories/all", e.token, nil, 404, nil)

		// Only admins change repositories; anonymous gets 401 with a challenge.
		resp, _ := e.do("POST", "/api/v1/repositories", "", strings.NewReader(`{"key":"z","format":"generic"}`))
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("anonymous create: %d %v", resp.StatusCode, resp.Header)
		}
		resp, data = e.do("POST", "/api/v1/repositories", e.token, strings.NewReader(`{not json`))
		if resp.StatusCode != 400 {
			t.Fatalf("malformed JSON: %d %s", resp.StatusCode, data)
		}
	})
}
