package http_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

// memNotifier is an in-process ports.Notifier shared by two auth services
// standing in for two replicas.
type memNotifier struct {
	mu   sync.Mutex
	subs map[string][]func(string)
}

func (n *memNotifier) Publish(_ context.Context, topic, payload string) error {
	n.mu.Lock()
	fns := append([]func(string){}, n.subs[topic]...)
	n.mu.Unlock()
	for _, fn := range fns {
		fn(payload)
	}
	return nil
}

func (n *memNotifier) Subscribe(topic string, fn func(string)) func() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.subs == nil {
		n.subs = map[string][]func(string){}
	}
	n.subs[topic] = append(n.subs[topic], fn)
	return func() {}
}

var _ ports.Notifier = (*memNotifier)(nil)

// principal authenticates a credential the way the HTTP layer does.
func (e *env) principal(cred string) ports.Subject {
	e.t.Helper()
	p, err := e.auth.PrincipalFromBearer(e.t.Context(), cred)
	if err != nil {
		e.t.Fatalf("authenticate %.12s…: %v", cred, err)
	}
	return p.Subject
}

// derive mints what /v2/token mints for a caller: an access JWT and an offline token.
func (e *env) derive(sub ports.Subject) (jwt, offline string) {
	e.t.Helper()
	ctx := e.t.Context()
	jwt, err := e.auth.SessionToken(ctx, sub, time.Minute, false)
	if err != nil {
		e.t.Fatal(err)
	}
	offline, err = e.auth.SessionToken(ctx, sub, 0, true)
	if err != nil {
		e.t.Fatal(err)
	}
	return jwt, offline
}

// status answers the status of a read with cred (Bearer).
func (e *env) status(cred string) int {
	e.t.Helper()
	resp, _ := e.do("GET", "/api/v1/repositories/libs/artifacts", cred, nil)
	return resp.StatusCode
}

func (e *env) wantStatus(what string, want int, creds ...string) {
	e.t.Helper()
	for i, c := range creds {
		if got := e.status(c); got != want {
			e.t.Errorf("%s: credential %d answers %d, want %d", what, i, got, want)
		}
	}
}

// TestRevocationRevokes replays issue 20.1: credentials minted by a token
// service (an access JWT, an offline token, and what is minted from those)
// die with the API token, login or password they came from, at once, even
// though each was just used (and so cached).
func TestRevocationRevokes(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "libs", "format": "generic"})
		e.putPolicy(developerPolicy())

		t.Run("api token revoked", func(t *testing.T) {
			var tok struct {
				ID    int64
				Token string
			}
			e.doJSON("POST", "/api/v1/users/me/tokens", e.token, map[string]any{"name": "ci", "scopes": []string{"read:artifacts"}}, 201, &tok)
			jwt, offline := e.derive(e.principal(tok.Token))
			jwt2, offline2 := e.derive(e.principal(offline)) // a refresh with the offline token
			all := []string{tok.Token, jwt, offline, jwt2, offline2}
			e.wantStatus("before revocation", 200, all...)
			e.doJSON("DELETE", fmt.Sprintf("/api/v1/users/me/tokens/%d", tok.ID), e.token, nil, 204, nil)
			e.wantStatus("after revoking the API token", 401, all...)
		})

		t.Run("revoke-all", func(t *testing.T) {
			_, bob := e.addUser("bob", nil)
			jwt, offline := e.derive(e.principal(bob))
			var tok struct{ Token string }
			e.doJSON("POST", "/api/v1/users/me/tokens", bob, map[string]any{"name": "kept", "scopes": []string{"read:artifacts"}}, 201, &tok)
			tjwt, toffline := e.derive(e.principal(tok.Token))
			e.wantStatus("before revoke-all", 200, bob, jwt, offline, tjwt, toffline)
			// A credential minted by a token service cannot manage the account (issue 20.8).
			resp, data := e.do("POST", "/api/v1/auth/revoke-all", jwt, nil)
			if resp.StatusCode != 403 || !strings.Contains(string(data), "account") {
				t.Errorf("revoke-all with a derived token: %d %s", resp.StatusCode, data)
			}
			e.doJSON("POST", "/api/v1/auth/revoke-all", bob, nil, 200, nil)
			e.wantStatus("after revoke-all", 401, bob, jwt, offline, tjwt, toffline)
			e.wantStatus("the API token bob minted himself", 200, tok.Token)
		})

		t.Run("password change", func(t *testing.T) {
			_, carol := e.addUser("carol", nil)
			basic := ports.Subject{}
			{
				p, err := e.auth.PrincipalFromBasic(t.Context(), "carol", userPassword)
				if err != nil {
					t.Fatal(err)
				}
				basic = p.Subject
			}
			bjwt, boffline := e.derive(basic)
			sjwt, soffline := e.derive(e.principal(carol))
			npm, err := e.auth.LoginToken(t.Context(), "test", "carol", userPassword)
			if err != nil {
				t.Fatal(err)
			}
			all := []string{carol, bjwt, boffline, sjwt, soffline, npm}
			e.wantStatus("before the password change", 200, all...)
			e.doJSON("PUT", "/api/v1/users/me/password", carol, map[string]string{"current_password": userPassword,
				"new_password": "another-long-password"}, 200, nil)
			e.wantStatus("after the password change", 401, all...)
		})

		t.Run("never outlive nor out-scope the parent", func(t *testing.T) {
			var tok struct{ Token string }
			e.doJSON("POST", "/api/v1/users/me/tokens", e.token, map[string]any{"name": "short", "scopes": []string{"read:artifacts"},
				"repositories": []string{"li*"}, "expires_in_days": 1}, 201, &tok)
			parent := e.principal(tok.Token)
			jwt, offline := e.derive(parent)
			for _, c := range []string{jwt, offline} {
				sub := e.principal(c)
				if sub.Expires.IsZero() || sub.Expires.After(parent.Expires) || strings.Join(sub.Scopes, ",") != "read:artifacts" ||
					strings.Join(sub.Repos, ",") != "li*" {
					t.Errorf("derived %+v from parent %+v", sub, parent)
				}
			}
			ts, err := e.auth.ListAPITokens(t.Context(), parent.UserID)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range ts {
				if x.Name == auth.OfflineTokenName && (x.ExpiresAt.IsZero() || x.Parent == "") {
					t.Errorf("offline token without expiry or parent: %+v", x)
				}
			}
			// An API-token caller cannot mint a (longer-lived) credential through the API.
			for _, c := range []string{tok.Token, jwt, offline} {
				resp, _ := e.do("POST", "/api/v1/users/me/tokens", c, strings.NewReader(`{"name":"x","scopes":["account"]}`),
					"Content-Type", "application/json")
				if resp.StatusCode != 403 {
					t.Errorf("a token minted a token: %d", resp.StatusCode)
				}
			}
			// Its access token cannot write although the admin could.
			resp, _ := e.do("PUT", "/api/v1/repositories/libs/artifacts/x", jwt, strings.NewReader("x"))
			if resp.StatusCode != 403 {
				t.Errorf("a read-only token's JWT wrote: %d", resp.StatusCode)
			}
		})
	})
}

// TestRevocationReachesOtherReplicas: two auth services over one database
// stand in for two replicas; a token cached by B stops working on B as
// soon as A revokes it, through the Notifier.
func TestRevocationReachesOtherReplicas(t *testing.T) {
	for _, notify := range []bool{true, false} {
		t.Run(fmt.Sprintf("notifier=%v", notify), func(t *testing.T) {
			e := newEnv(t, t.TempDir()+"/k.db", 1<<20)
			n := &memNotifier{}
			b, err := auth.NewService(t.Context(), e.store, e.store, e.store, nil, ports.SystemClock{}, auth.Options{AccessTTL: time.Hour, RefreshTTL: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			x := auth.Extras{Sessions: e.store, Groups: e.store}
			if notify {
				x.Notifier = n
			}
			b.Configure(x)
			x.Audit = e.auth.Audit()
			e.auth.Configure(x)
			var tok struct {
				ID    int64
				Token string
			}
			e.doJSON("POST", "/api/v1/users/me/tokens", e.token, map[string]any{"name": "ci", "scopes": []string{"read:artifacts"}}, 201, &tok)
			if _, err := b.PrincipalFromBearer(t.Context(), tok.Token); err != nil {
				t.Fatal(err)
			}
			e.doJSON("DELETE", fmt.Sprintf("/api/v1/users/me/tokens/%d", tok.ID), e.token, nil, 204, nil)
			_, err = b.PrincipalFromBearer(t.Context(), tok.Token)
			if notify && err == nil {
				t.Fatal("replica B still accepts a token revoked on A")
			}
			if !notify && err != nil { // shows the notice is what carried it: without one B's cache answers until its TTL
				t.Fatalf("without a notifier B should still have the token cached: %v", err)
			}
		})
	}
}

// TestExpiredTokenSaysSo: an expired token is told so in the challenge (issue 19.3).
func TestExpiredTokenSaysSo(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/k.db", 1<<20)
	jwt, err := e.auth.SessionToken(t.Context(), e.principal(e.token), time.Second, false)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	resp, data := e.do("GET", "/api/v1/users/me", jwt, nil)
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) ||
		!strings.Contains(resp.Header.Get("WWW-Authenticate"), "token expired") || !strings.Contains(string(data), "expired") {
		t.Fatalf("expired token: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), data)
	}
}
