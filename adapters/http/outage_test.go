package http_test

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestDatabaseOutageAnswers503: with the database gone, a credential that
// cannot be checked (an API token, a Basic password, a login, a refresh)
// answers 503 with Retry-After, never 401: the client's credential may be
// good and it should retry, not prompt for a new one (issue 22.7).
func TestDatabaseOutageAnswers503(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		var tok struct {
			Token string `json:"token"`
		}
		e.doJSON("POST", "/api/v1/users/me/tokens", e.token, map[string]any{"name": "ci", "scopes": []string{"read:artifacts"}}, 201, &tok)
		var sess struct {
			RefreshToken string `json:"refresh_token"`
		}
		e.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPassword}, 200, &sess)
		if err := e.store.Close(); err != nil {
			t.Fatal(err)
		}
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+adminPassword))
		for _, c := range []struct {
			name, method, path, token, body string
			hdr                             []string
		}{
			{name: "api token", method: "GET", path: "/api/v1/users/me", token: tok.Token},
			{name: "api token as X-API-Key", method: "GET", path: "/api/v1/users/me", hdr: []string{"X-API-Key", tok.Token}},
			{name: "basic password", method: "GET", path: "/api/v1/users/me", hdr: []string{"Authorization", basic}},
			{name: "login", method: "POST", path: "/api/v1/auth/login", body: `{"username":"admin","password":"` + adminPassword + `"}`},
			{name: "refresh", method: "POST", path: "/api/v1/auth/refresh", body: `{"refresh_token":"` + sess.RefreshToken + `"}`},
		} {
			resp, data := e.do(c.method, c.path, c.token, strings.NewReader(c.body), c.hdr...)
			if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
				t.Errorf("%s: %d Retry-After=%q %s, want 503 with Retry-After", c.name, resp.StatusCode, resp.Header.Get("Retry-After"), data)
			}
			if strings.Contains(string(data), "bunstore") || strings.Contains(string(data), "sql") {
				t.Errorf("%s: the answer names internals: %s", c.name, data)
			}
		}
	})
}
