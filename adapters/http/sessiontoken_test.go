package http_test

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// TestSessionTokenKeepsTokenLimits mints session tokens the way a format's
// token service does (core/auth.SessionToken) and checks they authenticate
// as the caller, and that a caller who used a read-only API token gets a
// session token that is read-only too.
func TestSessionTokenKeepsTokenLimits(t *testing.T) {
	e := newEnv(t, filepath.Join(t.TempDir(), "keeper.db"), 1<<20)
	ctx := t.Context()
	e.createRepo(map[string]any{"key": "libs", "format": "generic", "repo_type": "local"})
	admin, err := e.auth.PrincipalFromBearer(ctx, e.token)
	if err != nil {
		t.Fatal(err)
	}
	full, err := e.auth.SessionToken(ctx, admin.Subject, time.Minute, false)
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := e.do("PUT", "/api/v1/repositories/libs/artifacts/a.txt", full, bytes.NewReader([]byte("x"))); resp.StatusCode != 201 {
		t.Fatalf("write with a session token: %d %s", resp.StatusCode, body)
	}
	var tok struct {
		Token string `json:"token"`
	}
	e.doJSON("POST", "/api/v1/users/me/tokens", e.token, map[string]any{"name": "ro", "scopes": []string{"read:artifacts"}}, 201, &tok)
	ro, err := e.auth.PrincipalFromBearer(ctx, tok.Token)
	if err != nil {
		t.Fatal(err)
	}
	limited, err := e.auth.SessionToken(ctx, ro.Subject, time.Minute, false)
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := e.do("GET", "/api/v1/repositories/libs/download/a.txt", limited, nil); resp.StatusCode != 200 {
		t.Fatalf("read with a limited session token: %d", resp.StatusCode)
	}
	if resp, _ := e.do("PUT", "/api/v1/repositories/libs/artifacts/b.txt", limited, bytes.NewReader([]byte("y"))); resp.StatusCode != 403 {
		t.Fatalf("a read-only token's session token could write: %d", resp.StatusCode)
	}
	offline, err := e.auth.SessionToken(ctx, ro.Subject, 0, true)
	if err != nil || offline == "" {
		t.Fatalf("offline token: %v", err)
	}
	if resp, _ := e.do("PUT", "/api/v1/repositories/libs/artifacts/c.txt", offline, bytes.NewReader([]byte("z"))); resp.StatusCode != 403 {
		t.Fatalf("a read-only token's offline token could write: %d", resp.StatusCode)
	}
	if _, err := e.auth.SessionToken(ctx, ports.Subject{Anonymous: true}, 0, true); err == nil {
		t.Fatal("minted an offline token for an anonymous caller")
	}
}

// TestAnonymousSessionTokenIsAnonymous: an anonymous caller's session token
// (what a registry client that insists on a token gets) reads public
// repositories only, writes nothing, and is never taken for a user.
func TestAnonymousSessionTokenIsAnonymous(t *testing.T) {
	e := newEnv(t, filepath.Join(t.TempDir(), "keeper.db"), 1<<20)
	ctx := t.Context()
	e.createRepo(map[string]any{"key": "pub", "format": "generic", "repo_type": "local", "is_public": true})
	e.createRepo(map[string]any{"key": "priv", "format": "generic", "repo_type": "local"})
	for _, r := range []string{"pub", "priv"} {
		if resp, body := e.do("PUT", "/api/v1/repositories/"+r+"/artifacts/a.txt", e.token, bytes.NewReader([]byte("x"))); resp.StatusCode != 201 {
			t.Fatalf("upload: %d %s", resp.StatusCode, body)
		}
	}
	anon, err := e.auth.SessionToken(ctx, ports.Subject{Anonymous: true}, time.Minute, false)
	if err != nil || anon == "" {
		t.Fatalf("anonymous session token: %v", err)
	}
	p, err := e.auth.PrincipalFromBearer(ctx, anon)
	if err != nil || !p.Subject.Anonymous || p.Subject.UserID != 0 {
		t.Fatalf("the anonymous token authenticates %+v (%v)", p.Subject, err)
	}
	if resp, _ := e.do("GET", "/api/v1/repositories/pub/download/a.txt", anon, nil); resp.StatusCode != 200 {
		t.Fatalf("public read with the anonymous token: %d", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/api/v1/repositories/priv/download/a.txt", anon, nil); resp.StatusCode != 401 {
		t.Fatalf("private read with the anonymous token: %d, want 401", resp.StatusCode)
	}
	if resp, _ := e.do("PUT", "/api/v1/repositories/pub/artifacts/b.txt", anon, bytes.NewReader([]byte("y"))); resp.StatusCode != 401 {
		t.Fatalf("write with the anonymous token: %d, want 401", resp.StatusCode)
	}
}
