package http_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
)

func TestLoginRefreshAndTokens(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "libs", "format": "generic", "repo_type": "local"})
		e.createRepo(map[string]any{"key": "secret", "format": "generic", "repo_type": "local"})

		resp, data := e.do("POST", "/api/v1/auth/login", "", strings.NewReader(`{"username":"admin","password":"wrong"}`))
		if resp.StatusCode != 401 || errorCode(t, data) != "unauthorized" {
			t.Fatalf("wrong password: %d %s", resp.StatusCode, data)
		}
		var sess struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
			ExpiresIn    int    `json:"expires_in"`
			TokenType    string `json:"token_type"`
		}
		e.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPassword}, 200, &sess)
		if sess.TokenType != "Bearer" || sess.ExpiresIn <= 0 || sess.RefreshToken == "" {
			t.Fatalf("session: %+v", sess)
		}
		var fresh struct {
			AccessToken string `json:"access_token"`
		}
		e.doJSON("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": sess.RefreshToken}, 200, &fresh)
		e.doJSON("GET", "/api/v1/users/me", fresh.AccessToken, nil, 200, nil)
		// A refresh token is not an access token, and an access token does not refresh.
		e.doJSON("GET", "/api/v1/users/me", sess.RefreshToken, nil, 401, nil)
		e.doJSON("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": sess.AccessToken}, 401, nil)
		// A tampered token is 401, never 500.
		e.doJSON("GET", "/api/v1/users/me", sess.AccessToken[:len(sess.AccessToken)-3]+"abc", nil, 401, nil)

		// API token limited to one repository and read-only.
		var tok struct {
			Token string `json:"token"`
		}
		e.doJSON("POST", "/api/v1/users/me/tokens", e.token, map[string]any{"name": "ci", "scopes": []string{"read:artifacts"}, "repositories": []string{"lib*"}}, 201, &tok)
		if !strings.HasPrefix(tok.Token, "kpr_") {
			t.Fatalf("token: %q", tok.Token)
		}
		e.doJSON("POST", "/api/v1/users/me/tokens", e.token, map[string]any{"name": "x", "scopes": []string{"root"}}, 400, nil)
		e.doJSON("GET", "/api/v1/repositories/libs/artifacts", tok.Token, nil, 200, nil)
		e.doJSON("GET", "/api/v1/repositories/secret/artifacts", tok.Token, nil, 403, nil)
		resp, _ = e.do("PUT", "/api/v1/repositories/libs/artifacts/a", tok.Token, bytes.NewReader([]byte("a")))
		if resp.StatusCode != 403 {
			t.Fatalf("read-only token wrote: %d", resp.StatusCode)
		}
		// The same token as a Basic password (e.g. twine's __token__) and as X-API-Key.
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("__token__:"+tok.Token))
		req, _ := http.NewRequest("GET", e.url+"/api/v1/repositories/libs/artifacts", nil)
		req.Header.Set("Authorization", basic)
		if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 200 {
			t.Fatalf("token as Basic password: %v %v", r.StatusCode, err)
		}
		resp, _ = e.do("GET", "/api/v1/repositories/libs/artifacts", "", nil, "X-API-Key", tok.Token)
		if resp.StatusCode != 200 {
			t.Fatalf("X-API-Key: %d", resp.StatusCode)
		}
		// Basic with the admin password.
		resp, _ = e.do("GET", "/api/v1/repositories/secret", "", nil, "Authorization",
			"Basic "+base64.StdEncoding.EncodeToString([]byte("admin:"+adminPassword)))
		if resp.StatusCode != 200 {
			t.Fatalf("Basic password: %d", resp.StatusCode)
		}
		// Wrong credentials of every kind: 401 with a challenge.
		for _, h := range []string{"Bearer kpr_000000000000_" + strings.Repeat("0", 48), "Bearer nonsense",
			"Basic " + base64.StdEncoding.EncodeToString([]byte("admin:nope")), "Basic %%%", "Digest x"} {
			resp, data := e.do("GET", "/api/v1/repositories/libs", "", nil, "Authorization", h)
			if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%q: %d %s", h, resp.StatusCode, data)
			}
		}
	})
}
