package http_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/ratelimit"
	"github.com/keeper-registry/keeper/core/policy"
	"github.com/keeper-registry/keeper/ports"
)

const userPassword = "user-password-1"

// addUser creates a user through the API and returns its id and an access token.
func (e *env) addUser(name string, extra map[string]any) (int64, string) {
	e.t.Helper()
	body := map[string]any{"username": name, "password": userPassword}
	for k, v := range extra {
		body[k] = v
	}
	var u struct{ ID int64 }
	e.doJSON("POST", "/api/v1/users", e.token, body, 201, &u)
	if extra["service_account"] == true || extra["must_change_password"] == true {
		return u.ID, ""
	}
	return u.ID, e.login(name, userPassword)
}

func (e *env) login(name, password string) string {
	e.t.Helper()
	var sess struct {
		AccessToken string `json:"access_token"`
	}
	e.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"username": name, "password": password}, 200, &sess)
	return sess.AccessToken
}

// readerPolicy is the default policy with every signed-in user a reader.
func readerPolicy(extra ...ports.PolicyRule) []ports.PolicyRule {
	rules := append(policy.Defaults(), ports.PolicyRule{Kind: "g", Subject: policy.RoleAuthenticated, Object: policy.RoleReader})
	return append(rules, extra...)
}

// developerPolicy is the default policy with every signed-in user a developer.
func developerPolicy(extra ...ports.PolicyRule) []ports.PolicyRule {
	rules := append(policy.Defaults(), ports.PolicyRule{Kind: "g", Subject: policy.RoleAuthenticated, Object: policy.RoleDeveloper})
	return append(rules, extra...)
}

func (e *env) putPolicy(rules []ports.PolicyRule) {
	e.t.Helper()
	e.doJSON("PUT", "/api/v1/policies", e.token, map[string]any{"rules": rules}, 200, nil)
}

type countingAuthz struct {
	ports.Authorizer
	calls atomic.Int64
}

func (c *countingAuthz) Authorize(ctx context.Context, s ports.Subject, a string, r ports.Resource) (ports.Decision, error) {
	c.calls.Add(1)
	return c.Authorizer.Authorize(ctx, s, a, r)
}

// adminRoute reports whether a route is reserved to administrators or policy authors.
var adminRoute = regexp.MustCompile(`^(GET|POST) /users$|^[A-Z]+ /users/:id|^[A-Z]+ /groups|^[A-Z]+ /policies|^[A-Z]+ /admin/|^[A-Z]+ /plugins|` +
	`^POST /repositories$|^(PATCH|DELETE) /repositories/:key$|^(POST|PUT) /repositories/:key/members$`)

// TestEveryRouteGoesThroughTheAuthorizer walks all registered API routes:
// anonymous callers get 401 with a challenge on every non-public route, and
// a reader gets 403 on every admin route, decided by the Authorizer.
func TestEveryRouteGoesThroughTheAuthorizer(t *testing.T) {
	counter := &countingAuthz{}
	e := newEnv(t, t.TempDir()+"/k.db", 1<<20, func(d *httpapi.Deps) {
		counter.Authorizer = d.Authorizer
		d.Authorizer = counter
	})
	e.createRepo(map[string]any{"key": "libs", "format": "generic"})
	e.putPolicy(readerPolicy())
	_, reader := e.addUser("rita", nil)
	// Public routes are the ones the description lists without a security requirement.
	var doc struct {
		Paths map[string]map[string]struct {
			Security []any `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(e.server.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	public := map[string]bool{}
	for p, ops := range doc.Paths {
		for m, op := range ops {
			public[strings.ToUpper(m)+" "+p] = op.Security == nil
		}
	}
	fill := strings.NewReplacer(":key", "libs", ":id", "1", ":tid", "1", "*path", "a/b", ":provider", "x", ":name", "x", ":kind", "x")
	admins := 0
	for _, r := range e.server.Routes() {
		p, ok := strings.CutPrefix(r.Path, "/api/v1")
		if !ok {
			continue
		}
		route := r.Method + " " + p
		url := "/api/v1" + fill.Replace(p)
		if !public[r.Method+" "+httpapi.OpenAPIPath(p)] {
			resp, data := e.do(r.Method, url, "", strings.NewReader("{}"), "Content-Type", "application/json")
			if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("anonymous %s: %d %s (want 401 with a challenge)", route, resp.StatusCode, data)
			}
		}
		if adminRoute.MatchString(route) {
			admins++
			before := counter.calls.Load()
			resp, data := e.do(r.Method, url, reader, strings.NewReader("{}"), "Content-Type", "application/json")
			if resp.StatusCode != 403 {
				t.Errorf("reader %s: %d %s (want 403)", route, resp.StatusCode, data)
			}
			if counter.calls.Load() == before {
				t.Errorf("reader %s was refused without asking the Authorizer", route)
			}
		}
	}
	if admins < 20 {
		t.Fatalf("only %d admin routes matched; the route table changed shape", admins)
	}
	var list struct {
		Items []struct{ Action, Actor string }
	}
	e.doJSON("GET", "/api/v1/admin/audit?action=access.denied&actor=rita&limit=1000", e.token, nil, 200, &list)
	if len(list.Items) < admins {
		t.Errorf("%d denials audited for rita, want at least %d", len(list.Items), admins)
	}
}

func TestUsersGroupsAndPolicies(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		for _, k := range []string{"libs", "team-a-libs", "team-a-secret"} {
			e.createRepo(map[string]any{"key": k, "format": "generic"})
		}
		bobID, bob := e.addUser("bob", map[string]any{"email": "bob@example.test"})
		_, carol := e.addUser("carol", nil)
		// Default policy: a new user gets no repository rights (issue 20.5);
		// an unreadable repository answers like a missing one (issue 20.15).
		if resp, _ := e.do("GET", "/api/v1/repositories/libs/artifacts", bob, nil); resp.StatusCode != 404 {
			t.Fatalf("a new user reads a private repository by default: %d", resp.StatusCode)
		}
		if resp, _ := e.do("PUT", "/api/v1/repositories/libs/artifacts/x", bob, strings.NewReader("x")); resp.StatusCode != 404 {
			t.Fatalf("a new user writes by default: %d", resp.StatusCode)
		}
		e.putPolicy(developerPolicy())
		resp, _ := e.do("PUT", "/api/v1/repositories/libs/artifacts/x", bob, strings.NewReader("x"))
		if resp.StatusCode != 201 {
			t.Fatalf("developer once granted: %d", resp.StatusCode)
		}
		var g struct{ ID int64 }
		e.doJSON("POST", "/api/v1/groups", e.token, map[string]any{"name": "team-a"}, 201, &g)
		e.doJSON("POST", "/api/v1/groups", e.token, map[string]any{"name": "bad name!"}, 400, nil)
		var grp struct{ Members []int64 }
		e.doJSON("PUT", fmt.Sprintf("/api/v1/groups/%d/members", g.ID), e.token, map[string]any{"members": []int64{bobID}}, 200, &grp)
		if len(grp.Members) != 1 || grp.Members[0] != bobID {
			t.Fatalf("members: %v", grp.Members)
		}

		// A policy error names the bad rule and changes nothing.
		var before struct{ Version int64 }
		e.doJSON("GET", "/api/v1/policies", e.token, nil, 200, &before)
		data := e.doJSON("PUT", "/api/v1/policies", e.token, map[string]any{"rules": readerPolicy(
			ports.PolicyRule{Kind: "p", Subject: "group:team-a", Object: "team-a-*", Action: "publish"})}, 400, nil)
		if !strings.Contains(string(data), "publish") || !strings.Contains(string(data), "rules[10]") {
			t.Errorf("invalid policy message: %s", data)
		}
		e.doJSON("PUT", "/api/v1/policies", e.token, map[string]any{"rules": readerPolicy(
			ports.PolicyRule{Kind: "p", Subject: "group:team-a", Object: "team-a-[", Action: "write"})}, 400, nil)
		var after struct {
			Version int64
			Rules   []ports.PolicyRule
		}
		e.doJSON("GET", "/api/v1/policies", e.token, nil, 200, &after)
		if after.Version != before.Version {
			t.Fatalf("refused change moved the version %d → %d", before.Version, after.Version)
		}
		e.putPolicy(readerPolicy(
			ports.PolicyRule{Kind: "p", Subject: "group:team-a", Object: "team-a-*", Action: "write"},
			ports.PolicyRule{Kind: "p", Subject: "group:team-a", Object: "team-a-secret", Action: "write", Effect: "deny"},
		))
		put := func(tok, repo string, want int) {
			t.Helper()
			resp, data := e.do("PUT", "/api/v1/repositories/"+repo+"/artifacts/f", tok, strings.NewReader("f"))
			if resp.StatusCode != want {
				t.Errorf("PUT in %s: %d %s, want %d", repo, resp.StatusCode, data, want)
			}
		}
		put(bob, "team-a-libs", 201)
		put(bob, "team-a-secret", 403)
		put(bob, "libs", 403)
		put(carol, "team-a-libs", 403)
		e.doJSON("GET", "/api/v1/repositories/libs/artifacts/x", carol, nil, 200, nil) // readers read

		var dec struct {
			Allowed bool
			Rule    string
		}
		e.doJSON("POST", "/api/v1/policies/check", e.token, map[string]string{"subject": "bob", "repository": "team-a-secret", "action": "write"}, 200, &dec)
		if dec.Allowed || !strings.Contains(dec.Rule, "deny") {
			t.Errorf("check bob write team-a-secret: %+v", dec)
		}
		e.doJSON("POST", "/api/v1/policies/check", e.token, map[string]string{"subject": "bob", "repository": "team-a-libs", "action": "write"}, 200, &dec)
		if !dec.Allowed || !strings.Contains(dec.Rule, "group:team-a") {
			t.Errorf("check bob write team-a-libs: %+v", dec)
		}
		var who struct{ Subjects, Users []string }
		e.doJSON("GET", "/api/v1/policies/who?repository=team-a-libs&action=write", e.token, nil, 200, &who)
		if strings.Join(who.Users, ",") != "admin,bob" || !strings.Contains(strings.Join(who.Subjects, ","), "group:team-a") {
			t.Errorf("who may write team-a-libs: %+v", who)
		}
		// Policy authors are a role, granted by a rule.
		e.doJSON("GET", "/api/v1/policies", carol, nil, 403, nil)
		e.putPolicy(append(readerPolicy(), ports.PolicyRule{Kind: "g", Subject: "user:carol", Object: policy.RolePolicyAuthor}))
		e.doJSON("GET", "/api/v1/policies", carol, nil, 200, nil)
		e.doJSON("GET", "/api/v1/users", carol, nil, 403, nil)

		var events struct {
			Items []struct{ Action, Actor, Outcome, Detail string }
			Total int
		}
		e.doJSON("GET", "/api/v1/admin/audit?action=policy.&actor=admin", e.token, nil, 200, &events)
		var ok, failed int
		for _, ev := range events.Items {
			if ev.Action == "policy.replace" && ev.Outcome == "success" {
				ok++
			} else if ev.Action == "policy.replace" && ev.Outcome == "failure" {
				failed++
			}
		}
		if ok != 3 || failed != 2 || events.Total != 5 {
			t.Errorf("policy audit: %d ok, %d refused, total %d: %+v", ok, failed, events.Total, events.Items)
		}

		// Admin user CRUD.
		var u struct {
			Email    string
			Disabled bool
			Groups   []string
		}
		e.doJSON("GET", fmt.Sprintf("/api/v1/users/%d", bobID), e.token, nil, 200, &u)
		if u.Email != "bob@example.test" || strings.Join(u.Groups, ",") != "team-a" {
			t.Errorf("get bob: %+v", u)
		}
		e.doJSON("PATCH", "/api/v1/users/me", bob, map[string]string{"display_name": "Bob B."}, 200, nil)
		e.doJSON("PATCH", fmt.Sprintf("/api/v1/users/%d", bobID), e.token, map[string]any{"disabled": true}, 200, &u)
		e.doJSON("GET", "/api/v1/users/me", bob, nil, 401, nil) // disabled: its session ends
		e.doJSON("DELETE", fmt.Sprintf("/api/v1/users/%d", bobID), e.token, nil, 204, nil)
		e.doJSON("GET", fmt.Sprintf("/api/v1/users/%d", bobID), e.token, nil, 404, nil)
		e.doJSON("POST", "/api/v1/users", e.token, map[string]any{"username": "short", "password": "x"}, 400, nil)
	})
}

func TestSessionsRotateAndRevoke(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		type session struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		var s1, s2 session
		e.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPassword}, 200, &s1)
		e.doJSON("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": s1.RefreshToken}, 200, &s2)
		e.doJSON("GET", "/api/v1/users/me", s2.AccessToken, nil, 200, nil)
		// Reusing the first refresh token: the whole family is revoked.
		e.doJSON("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": s1.RefreshToken}, 401, nil)
		e.doJSON("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": s2.RefreshToken}, 401, nil)
		e.doJSON("GET", "/api/v1/users/me", s2.AccessToken, nil, 401, nil)
		e.doJSON("GET", "/api/v1/users/me", e.token, nil, 200, nil) // another login is untouched
		var ev struct{ Total int }
		e.doJSON("GET", "/api/v1/admin/audit?action=auth.refresh.reuse", e.token, nil, 200, &ev)
		if ev.Total != 1 {
			t.Errorf("reuse audited %d times", ev.Total)
		}

		var s3 session
		e.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPassword}, 200, &s3)
		e.doJSON("POST", "/api/v1/auth/logout", s3.AccessToken, nil, 204, nil)
		e.doJSON("GET", "/api/v1/users/me", s3.AccessToken, nil, 401, nil)
		e.doJSON("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": s3.RefreshToken}, 401, nil)
		e.doJSON("GET", "/api/v1/users/me", e.token, nil, 200, nil)

		other := e.login("admin", adminPassword)
		var n struct{ Revoked int }
		e.doJSON("POST", "/api/v1/auth/revoke-all", e.token, nil, 200, &n)
		if n.Revoked < 2 {
			t.Errorf("revoke-all touched %d sessions", n.Revoked)
		}
		e.doJSON("GET", "/api/v1/users/me", other, nil, 401, nil)
		e.doJSON("GET", "/api/v1/users/me", e.token, nil, 401, nil)
	})
}

func TestLockoutAndForcedPasswordChange(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		id, _ := e.addUser("dora", nil)
		for i := range 5 {
			resp, data := e.do("POST", "/api/v1/auth/login", "", strings.NewReader(`{"username":"dora","password":"nope"}`))
			if resp.StatusCode != 401 {
				t.Fatalf("failure %d: %d %s", i, resp.StatusCode, data)
			}
		}
		resp, data := e.do("POST", "/api/v1/auth/login", "", strings.NewReader(`{"username":"dora","password":"`+userPassword+`"}`))
		if resp.StatusCode != 401 || errorCode(t, data) != "locked" {
			t.Fatalf("locked account with the right password: %d %s", resp.StatusCode, data)
		}
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("dora:"+userPassword))
		if resp, _ := e.do("GET", "/api/v1/repositories", "", nil, "Authorization", basic); resp.StatusCode != 401 {
			t.Errorf("locked account over Basic: %d", resp.StatusCode)
		}
		var ev struct{ Total int }
		e.doJSON("GET", "/api/v1/admin/audit?action=auth.lockout&actor=dora", e.token, nil, 200, &ev)
		if ev.Total != 1 {
			t.Errorf("lockout audited %d times", ev.Total)
		}
		e.doJSON("PATCH", fmt.Sprintf("/api/v1/users/%d", id), e.token, map[string]any{"unlock": true}, 200, nil)
		e.login("dora", userPassword)

		// An administrator's reset forces a change at next login.
		e.doJSON("PATCH", fmt.Sprintf("/api/v1/users/%d", id), e.token, map[string]any{"password": "temporary-pass"}, 200, nil)
		var sess struct {
			AccessToken        string `json:"access_token"`
			MustChangePassword bool   `json:"must_change_password"`
		}
		e.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"username": "dora", "password": "temporary-pass"}, 200, &sess)
		if !sess.MustChangePassword {
			t.Fatal("reset password does not force a change")
		}
		resp, data = e.do("GET", "/api/v1/repositories", sess.AccessToken, nil)
		if resp.StatusCode != 403 || errorCode(t, data) != "password_change_required" {
			t.Fatalf("held session: %d %s", resp.StatusCode, data)
		}
		e.doJSON("GET", "/api/v1/users/me", sess.AccessToken, nil, 200, nil)
		e.doJSON("PUT", "/api/v1/users/me/password", sess.AccessToken, map[string]string{"current_password": "wrong", "new_password": "new-password-9"}, 403, nil)
		e.doJSON("PUT", "/api/v1/users/me/password", sess.AccessToken, map[string]string{"current_password": "temporary-pass", "new_password": "short"}, 400, nil)
		var fresh struct {
			AccessToken        string `json:"access_token"`
			MustChangePassword bool   `json:"must_change_password"`
		}
		e.doJSON("PUT", "/api/v1/users/me/password", sess.AccessToken, map[string]string{"current_password": "temporary-pass", "new_password": "new-password-9"}, 200, &fresh)
		if fresh.MustChangePassword {
			t.Error("still forced after the change")
		}
		e.doJSON("GET", "/api/v1/repositories", fresh.AccessToken, nil, 200, nil)
		e.doJSON("GET", "/api/v1/users/me", sess.AccessToken, nil, 401, nil) // the old session ended

		// A generated bootstrap password must be changed at first login.
		admin, err := e.store.GetUserByName(t.Context(), "admin")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.store.DeleteUser(t.Context(), admin.ID); err != nil {
			t.Fatal(err)
		}
		generated, err := e.auth.EnsureAdmin(t.Context(), "")
		if err != nil || generated == "" {
			t.Fatalf("EnsureAdmin: %q %v", generated, err)
		}
		e.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": generated}, 200, &sess)
		if !sess.MustChangePassword {
			t.Error("generated bootstrap password does not force a change")
		}
		e.doJSON("POST", "/api/v1/repositories", sess.AccessToken, map[string]any{"key": "z", "format": "generic"}, 403, nil)
	})
}

func TestTokensScopesAndCarriers(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "libs", "format": "generic"})
		_, bob := e.addUser("bob", nil)
		e.putPolicy(developerPolicy())
		e.doJSON("POST", "/api/v1/users/me/tokens", bob, map[string]any{"name": "x", "scopes": []string{"admin"}}, 403, nil)
		e.doJSON("POST", "/api/v1/users/me/tokens", bob, map[string]any{"name": "x", "repositories": []string{"["}}, 400, nil)
		var tok struct {
			ID    int64
			Token string
		}
		e.doJSON("POST", "/api/v1/users/me/tokens", bob, map[string]any{"name": "ci", "scopes": []string{"read:artifacts", "write:artifacts"},
			"expires_in_days": 30}, 201, &tok)
		carriers := [][]string{
			{"Authorization", "Bearer " + tok.Token},                                                        // npm _authToken
			{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("__token__:"+tok.Token))}, // twine
			{"Authorization", tok.Token},                                                                    // cargo, RubyGems
			{"X-API-Key", tok.Token},
		}
		for _, h := range carriers {
			if resp, data := e.do("GET", "/api/v1/repositories/libs/artifacts", "", nil, h...); resp.StatusCode != 200 {
				t.Errorf("%s %.30s: %d %s", h[0], h[1], resp.StatusCode, data)
			}
		}
		var list struct {
			Items []map[string]any
		}
		e.doJSON("GET", "/api/v1/users/me/tokens", bob, nil, 200, &list)
		raw, _ := json.Marshal(list)
		if len(list.Items) != 1 || list.Items[0]["last_used_at"] == nil || strings.Contains(string(raw), tok.Token[16:]) ||
			strings.Contains(string(raw), "hash") {
			t.Errorf("token listing: %s", raw)
		}
		e.doJSON("DELETE", fmt.Sprintf("/api/v1/users/me/tokens/%d", tok.ID), bob, nil, 204, nil)
		for _, h := range carriers {
			resp, data := e.do("GET", "/api/v1/repositories/libs/artifacts", "", nil, h...)
			if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("revoked token via %s: %d %s", h[0], resp.StatusCode, data)
			}
		}
		var failures struct{ Total int }
		e.doJSON("GET", "/api/v1/admin/audit?action=auth.token", e.token, nil, 200, &failures)
		if failures.Total != len(carriers) {
			t.Errorf("%d failed token authentications audited, want %d", failures.Total, len(carriers))
		}
		// A reader cannot mint scopes it does not hold.
		e.putPolicy(readerPolicy())
		e.doJSON("POST", "/api/v1/users/me/tokens", bob, map[string]any{"name": "w", "scopes": []string{"write:artifacts"}}, 403, nil)
		e.doJSON("POST", "/api/v1/users/me/tokens", bob, map[string]any{"name": "r", "scopes": []string{"read:artifacts"}}, 201, nil)

		// Service account: no password, tokens minted by an administrator.
		var sa struct {
			ID             int64
			ServiceAccount bool `json:"service_account"`
		}
		e.doJSON("POST", "/api/v1/users", e.token, map[string]any{"username": "ci-bot", "service_account": true}, 201, &sa)
		if !sa.ServiceAccount {
			t.Error("service account not flagged")
		}
		e.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"username": "ci-bot", "password": ""}, 401, nil)
		e.doJSON("POST", fmt.Sprintf("/api/v1/users/%d/tokens", sa.ID), e.token, map[string]any{"name": "deploy", "scopes": []string{"read:artifacts"}}, 201, &tok)
		e.doJSON("GET", "/api/v1/repositories/libs/artifacts", tok.Token, nil, 200, nil)
		e.doJSON("GET", fmt.Sprintf("/api/v1/users/%d/tokens", sa.ID), e.token, nil, 200, &list)
		if len(list.Items) != 1 {
			t.Errorf("service account tokens: %+v", list.Items)
		}
		var ev struct{ Total int }
		e.doJSON("GET", "/api/v1/admin/audit?action=token.", e.token, nil, 200, &ev)
		if ev.Total != 4 { // bob: ci, revoke, r; admin: deploy
			t.Errorf("token events audited: %d, want 4", ev.Total)
		}
		if resp, _ := e.do("GET", "/api/v1/admin/audit?since=yesterday", e.token, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("bad since: %d", resp.StatusCode)
		}
	})
}

// TestRateLimitsOnTheServer wires the limiter the way cmd/keeper does.
func TestRateLimitsOnTheServer(t *testing.T) {
	l := ratelimit.New(ratelimit.Config{Login: ratelimit.Rule{Requests: 2, Window: time.Hour},
		PerUser: ratelimit.Rule{Requests: 5, Window: time.Hour}}, nil)
	e := newEnv(t, t.TempDir()+"/k.db", 1<<20, func(d *httpapi.Deps) {
		d.BeforeAuth, d.AfterAuth = l.BeforeAuth(), l.AfterAuth()
	}) // the harness's own login spends one login token
	e.login("admin", adminPassword)
	resp, data := e.do("POST", "/api/v1/auth/login", "", strings.NewReader(`{"username":"admin","password":"`+adminPassword+`"}`))
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || errorCode(t, data) != "rate_limited" {
		t.Fatalf("third login: %d %s", resp.StatusCode, data)
	}
	for i := range 5 {
		e.doJSON("GET", "/api/v1/users/me", e.token, nil, 200, nil)
		_ = i
	}
	e.doJSON("GET", "/api/v1/users/me", e.token, nil, 429, nil)
	e.doJSON("GET", "/api/v1/repositories", "", nil, 200, nil) // anonymous: not the admin's bucket
}
