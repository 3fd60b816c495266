package http_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	crewsaml "github.com/crewjam/saml"

	"github.com/keeper-registry/keeper/adapters/argon2"
	"github.com/keeper-registry/keeper/adapters/bunstore"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/ldap"
	"github.com/keeper-registry/keeper/adapters/oidc"
	"github.com/keeper-registry/keeper/adapters/oidc/oidctest"
	"github.com/keeper-registry/keeper/adapters/saml"
	"github.com/keeper-registry/keeper/adapters/saml/samltest"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/sso"
	"github.com/keeper-registry/keeper/ports"

	"encoding/base64"
	"net/http/httptest"
)

func basic(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

// newSSOEnv is an API server on SQLite with single sign-on wired in: real
// LDAP, OpenID Connect and SAML adapters, and group sync into the group store.
func newSSOEnv(t *testing.T) *env {
	t.Helper()
	ctx := t.Context()
	store, err := bunstore.Open(ctx, filepath.Join(t.TempDir(), "keeper.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := auth.NewService(ctx, store, store, store, argon2.NewWithParams(1, 64, 1), ports.SystemClock{}, auth.Options{AccessTTL: time.Hour, RefreshTTL: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.EnsureAdmin(ctx, adminPassword); err != nil {
		t.Fatal(err)
	}
	svc, err := sso.NewService(ctx, sso.Deps{Store: store, Users: store, Settings: store, LDAP: ldap.New(), OIDC: oidc.New(nil),
		SAML: saml.New(nil), Groups: sso.StoreGroups{Groups: store}})
	if err != nil {
		t.Fatal(err)
	}
	a.AddExternal(svc)
	srv, err := httpapi.New(httpapi.Deps{Auth: a, Authorizer: auth.BaselineAuthorizer{}, SSO: svc, Users: store, Groups: store, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(validating(t, srv))
	t.Cleanup(ts.Close)
	e := &env{t: t, url: ts.URL, store: store, server: srv}
	var sess auth.Session
	e.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPassword}, 200, &sess)
	e.token = sess.AccessToken
	return e
}

// browser is an HTTP client with a cookie jar that follows redirects.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

// read returns a reader of a response's status and body (read(t)(client.Get(u))).
func read(t *testing.T) func(*http.Response, error) (int, []byte) {
	return func(resp *http.Response, err error) (int, []byte) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
}

type me struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	IsAdmin  bool   `json:"is_admin"`
}

func (e *env) me(token string) me {
	e.t.Helper()
	var m me
	e.doJSON("GET", "/api/v1/users/me", token, nil, 200, &m)
	return m
}

func (e *env) groupsOf(userID int64) []string {
	e.t.Helper()
	g, err := e.store.UserGroups(e.t.Context(), userID)
	if err != nil {
		e.t.Fatal(err)
	}
	return g
}

func TestSSOAdminAPI(t *testing.T) {
	e := newSSOEnv(t)
	body := map[string]any{"name": "corp", "display_name": "Corp", "config": map[string]any{
		"issuer": "https://id.corp.test", "client_id": "keeper", "client_secret": "top-secret"}}
	resp, data := e.do("POST", "/api/v1/admin/sso/oidc", "", strings.NewReader(`{}`), "Content-Type", "application/json")
	if resp.StatusCode != 401 {
		t.Fatalf("anonymous create: %d %s", resp.StatusCode, data)
	}
	data = e.doJSON("POST", "/api/v1/admin/sso/oidc", e.token, body, 201, nil)
	if strings.Contains(string(data), "top-secret") || !strings.Contains(string(data), `"secrets_set":["client_secret"]`) {
		t.Fatalf("create answer leaks or hides the secret state: %s", data)
	}
	e.doJSON("POST", "/api/v1/admin/sso/oidc", e.token, body, 409, nil)
	e.doJSON("POST", "/api/v1/admin/sso/oidc", e.token, map[string]any{"name": "x", "config": map[string]any{"issuer": "ftp://x", "client_id": "k"}}, 400, nil)
	e.doJSON("POST", "/api/v1/admin/sso/kerberos", e.token, body, 400, nil)
	e.doJSON("POST", "/api/v1/admin/sso/oidc", e.token, map[string]any{"name": "Bad Name", "config": body["config"]}, 400, nil)

	// Replace without the secret keeps it; the stored one is still there.
	data = e.doJSON("PUT", "/api/v1/admin/sso/oidc/corp", e.token, map[string]any{"display_name": "Corp SSO", "enabled": false,
		"config": map[string]any{"issuer": "https://id2.corp.test", "client_id": "keeper"}}, 200, nil)
	if strings.Contains(string(data), "top-secret") || !strings.Contains(string(data), `"enabled":false`) {
		t.Fatalf("replace answer: %s", data)
	}
	p, err := e.store.GetSSOProvider(t.Context(), "oidc", "corp")
	if err != nil || !strings.Contains(string(p.Config), `"client_secret":"top-secret"`) || !strings.Contains(string(p.Config), "id2.corp.test") {
		t.Fatalf("stored after replace: %s %v", p.Config, err)
	}
	data = e.doJSON("GET", "/api/v1/admin/sso", e.token, nil, 200, nil)
	if strings.Contains(string(data), "top-secret") || !strings.Contains(string(data), `"name":"corp"`) {
		t.Fatalf("list: %s", data)
	}
	// Disabled providers are not offered on the login page.
	var list struct{ Items []map[string]string }
	e.doJSON("GET", "/api/v1/auth/providers", "", nil, 200, &list)
	if len(list.Items) != 0 {
		t.Fatalf("disabled provider listed: %+v", list)
	}
	e.doJSON("PUT", "/api/v1/admin/sso/oidc/corp", e.token, map[string]any{"config": map[string]any{"issuer": "https://id2.corp.test", "client_id": "keeper"}}, 200, nil)
	e.doJSON("GET", "/api/v1/auth/providers", "", nil, 200, &list)
	if len(list.Items) != 1 || list.Items[0]["login_url"] != "/api/v1/auth/oidc/corp/login" {
		t.Fatalf("providers: %+v", list)
	}
	e.doJSON("DELETE", "/api/v1/admin/sso/oidc/corp", e.token, nil, 204, nil)
	e.doJSON("GET", "/api/v1/admin/sso/oidc/corp", e.token, nil, 404, nil)
}

func TestOIDCLoginThroughKeeper(t *testing.T) {
	e := newSSOEnv(t)
	op := oidctest.Start(t, "keeper", "s3cret")
	e.doJSON("POST", "/api/v1/admin/sso/oidc", e.token, map[string]any{"name": "corp", "config": map[string]any{
		"issuer": op.URL, "client_id": "keeper", "client_secret": "s3cret", "scopes": []string{"email"},
		"mapping": map[string]any{"admin_groups": []string{"ops"}, "group_map": map[string]string{"eng": "developers"}}}}, 201, nil)
	op.SignIn(map[string]any{"sub": "u-1", "preferred_username": "erin", "email": "erin@corp.test", "groups": []string{"eng", "ops"}})

	b := browser(t)
	code, data := read(t)(b.Get(e.url + "/api/v1/auth/oidc/corp/login"))
	var sess auth.Session
	if code != 200 || json.Unmarshal(data, &sess) != nil || sess.AccessToken == "" {
		t.Fatalf("login flow ended with %d %s", code, data)
	}
	m := e.me(sess.AccessToken)
	if m.Username != "erin" || !m.IsAdmin {
		t.Fatalf("me = %+v", m)
	}
	if g := e.groupsOf(m.ID); !slices.Equal(g, []string{"developers", "ops"}) {
		t.Errorf("groups = %q", g)
	}
	u, _ := e.store.GetUser(t.Context(), m.ID)
	if u.PasswordHash != "" || u.Email != "erin@corp.test" {
		t.Errorf("provisioned user %+v", u)
	}

	// A second login is the same account; losing a group removes it and the admin right.
	op.SignIn(map[string]any{"sub": "u-1", "preferred_username": "erin", "groups": []string{"eng"}})
	code, data = read(t)(b.Get(e.url + "/api/v1/auth/oidc/corp/login"))
	if code != 200 || json.Unmarshal(data, &sess) != nil {
		t.Fatalf("second login %d %s", code, data)
	}
	if m2 := e.me(sess.AccessToken); m2.ID != m.ID || m2.IsAdmin {
		t.Fatalf("second login me = %+v", m2)
	}
	if g := e.groupsOf(m.ID); !slices.Equal(g, []string{"developers"}) {
		t.Errorf("groups after second login = %q", g)
	}

	// The callback checks the state against the browser's cookie.
	noFollow := browser(t)
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Get(e.url + "/api/v1/auth/oidc/corp/login")
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("login: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = noFollow.Get(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	forged := *back
	q := forged.Query()
	q.Set("state", "forged")
	forged.RawQuery = q.Encode()
	if code, data := read(t)(noFollow.Get(forged.String())); code != 401 {
		t.Fatalf("wrong state: %d %s", code, data)
	}
	if code, data := read(t)(http.Get(back.String())); code != 401 { // no cookie
		t.Fatalf("callback without the login cookie: %d %s", code, data)
	}
	// A failed callback burns the login state: the genuine one no longer works.
	if code, data := read(t)(noFollow.Get(back.String())); code != 401 {
		t.Fatalf("genuine callback after a failed one: %d %s", code, data)
	}

	// A provider user named like an existing local account does not take it over.
	op.SignIn(map[string]any{"sub": "evil", "preferred_username": "admin", "groups": []string{"ops"}})
	if code, data := read(t)(browser(t).Get(e.url + "/api/v1/auth/oidc/corp/login")); code != 401 || !strings.Contains(string(data), "not linked") {
		t.Fatalf("takeover of admin: %d %s", code, data)
	}
	if code, _ := read(t)(http.Get(e.url + "/api/v1/auth/oidc/nope/login")); code != 404 {
		t.Fatalf("unknown provider: %d", code)
	}
}

func TestSAMLLoginThroughKeeper(t *testing.T) {
	e := newSSOEnv(t)
	idp := samltest.Start(t)
	e.doJSON("POST", "/api/v1/admin/sso/saml", e.token, map[string]any{"name": "corp", "config": map[string]any{
		"idp_metadata_url": idp.MetadataURL, "username_attribute": "uid", "email_attribute": "mail",
		"groups_attribute": "eduPersonAffiliation", "mapping": map[string]any{"allowed_groups": []string{"staff"}, "admin_groups": []string{"admins"}}}}, 201, nil)
	idp.SPMetadataURL = e.url + "/api/v1/auth/saml/corp/metadata"
	code, md := read(t)(http.Get(idp.SPMetadataURL))
	if code != 200 || !strings.Contains(string(md), e.url+"/api/v1/auth/saml/corp/acs") {
		t.Fatalf("metadata %d %s", code, md)
	}

	login := func(b *http.Client) (int, []byte, url.Values) {
		resp, err := b.Get(e.url + "/api/v1/auth/saml/corp/login")
		code, page := read(t)(resp, err)
		if code != 200 {
			t.Fatalf("IdP answered %d %s", code, page)
		}
		action, form := samltest.ParseForm(t, string(page))
		code, data := read(t)(b.PostForm(action, form))
		return code, data, form
	}
	idp.SignIn(&crewsaml.Session{NameID: "grace-id", UserName: "grace", UserEmail: "grace@corp.test", Groups: []string{"staff", "admins"}})
	b := browser(t)
	code, data, form := login(b)
	var sess auth.Session
	if code != 200 || json.Unmarshal(data, &sess) != nil || sess.AccessToken == "" {
		t.Fatalf("ACS answered %d %s", code, data)
	}
	if m := e.me(sess.AccessToken); m.Username != "grace" || !m.IsAdmin {
		t.Fatalf("me = %+v", m)
	}
	// Replaying the same response fails.
	if code, data := read(t)(b.PostForm(e.url+"/api/v1/auth/saml/corp/acs", form)); code != 401 {
		t.Fatalf("replay: %d %s", code, data)
	}
	// Signature wrapping through the real endpoint fails.
	b2 := browser(t)
	resp, err := b2.Get(e.url + "/api/v1/auth/saml/corp/login")
	_, page := read(t)(resp, err)
	action, genuine := samltest.ParseForm(t, string(page))
	for name, forged := range samltest.Forgeries(t, samltest.Decode(t, genuine.Get("SAMLResponse")), "admin") {
		f := url.Values{"SAMLResponse": {samltest.Encode(forged)}, "RelayState": {genuine.Get("RelayState")}}
		if code, data := read(t)(b2.PostForm(action, f)); code != 401 {
			t.Errorf("%s: %d %s", name, code, data)
		}
	}
	// A user outside the allowed groups is refused; an unsolicited response too.
	idp.SignIn(&crewsaml.Session{NameID: "henry-id", UserName: "henry", Groups: []string{"contractors"}})
	if code, data, _ := login(browser(t)); code != 401 || !strings.Contains(string(data), "allowed groups") {
		t.Fatalf("not allowed: %d %s", code, data)
	}
	if code, data := read(t)(http.PostForm(e.url+"/api/v1/auth/saml/corp/acs", genuine)); code != 401 {
		t.Fatalf("response without a login in progress: %d %s", code, data)
	}
}

func TestLDAPLoginThroughPasswordEndpoint(t *testing.T) {
	ldapURL, base := os.Getenv("KEEPER_TEST_LDAP_URL"), os.Getenv("KEEPER_TEST_LDAP_BASE")
	if ldapURL == "" {
		t.Skip("KEEPER_TEST_LDAP_URL is not set; start a directory with: eval \"$(.ci/slapd.sh start)\"")
	}
	e := newSSOEnv(t)
	e.doJSON("POST", "/api/v1/admin/sso/ldap", e.token, map[string]any{"name": "corp", "config": map[string]any{
		"url": ldapURL, "bind_dn": "cn=reader," + base, "bind_password": "reader-pw",
		"user_base_dn": "ou=people," + base, "user_filter": "(uid={username})", "group_attribute": "memberOf",
		"mapping": map[string]any{"admin_groups": []string{"admins"}}}}, 201, nil)
	var sess auth.Session
	e.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"username": "alice", "password": "alice-pw"}, 200, &sess)
	m := e.me(sess.AccessToken)
	if m.Username != "alice" || !m.IsAdmin {
		t.Fatalf("me = %+v", m)
	}
	if g := e.groupsOf(m.ID); !slices.Equal(g, []string{"admins", "devs"}) {
		t.Errorf("groups = %q", g)
	}
	e.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"username": "alice", "password": "wrong"}, 401, nil)
	e.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"username": "*", "password": "alice-pw"}, 401, nil)
	// Package clients send the directory password with Basic auth.
	resp, data := e.do("GET", "/api/v1/users/me", "", nil, "Authorization", "Basic "+basic("bob", "bob-pw"))
	if resp.StatusCode != 200 || !strings.Contains(string(data), `"username":"bob"`) || strings.Contains(string(data), `"is_admin":true`) {
		t.Fatalf("basic with ldap password: %d %s", resp.StatusCode, data)
	}
	// A local account of the same name is not taken over by the directory.
	local := ports.User{Username: "carol"}
	if err := e.store.CreateUser(t.Context(), &local); err != nil {
		t.Fatal(err)
	}
	e.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"username": "carol", "password": "carol-pw"}, 401, nil)
	// The local admin still logs in with the local password.
	e.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPassword}, 200, nil)
}
