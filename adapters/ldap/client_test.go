package ldap_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"sort"
	"testing"

	"github.com/keeper-registry/keeper/adapters/ldap"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/sso"
)

// server describes the OpenLDAP started by .ci/slapd.sh.
type server struct{ url, ldapsURL, ca, base string }

func realServer(t *testing.T) server {
	t.Helper()
	s := server{os.Getenv("KEEPER_TEST_LDAP_URL"), os.Getenv("KEEPER_TEST_LDAPS_URL"), os.Getenv("KEEPER_TEST_LDAP_CA"), os.Getenv("KEEPER_TEST_LDAP_BASE")}
	if s.url == "" {
		t.Skip("KEEPER_TEST_LDAP_URL is not set; start a directory with: eval \"$(.ci/slapd.sh start)\"")
	}
	return s
}

func caPEM(t *testing.T, s server) string {
	t.Helper()
	b, err := os.ReadFile(s.ca)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func parse(t *testing.T, raw string) sso.LDAPConfig {
	t.Helper()
	c, err := sso.ParseLDAP([]byte(raw))
	if err != nil {
		t.Fatalf("config %s: %v", raw, err)
	}
	return c
}

func simpleBind(s server) sso.LDAPConfig {
	return sso.LDAPConfig{URL: s.url, UserDNTemplate: "uid={username},ou=people," + s.base, GroupAttribute: "memberOf",
		UsernameAttribute: "uid", EmailAttribute: "mail", DisplayNameAttribute: "cn", GroupNameAttribute: "cn", TimeoutSeconds: 10}
}

func searchBind(s server) sso.LDAPConfig {
	return sso.LDAPConfig{URL: s.url, BindDN: "cn=reader," + s.base, BindPassword: "reader-pw",
		UserBaseDN: "ou=people," + s.base, UserFilter: "(&(objectClass=inetOrgPerson)(uid={username}))",
		GroupBaseDN: "ou=groups," + s.base, GroupFilter: "(&(objectClass=groupOfNames)(member={dn}))",
		UsernameAttribute: "uid", EmailAttribute: "mail", DisplayNameAttribute: "cn", GroupNameAttribute: "cn", TimeoutSeconds: 10}
}

func sorted(v []string) []string { v = slices.Clone(v); sort.Strings(v); return v }

func wantIdentity(t *testing.T, got sso.Identity, user, email, name string, groups ...string) {
	t.Helper()
	if got.Username != user || got.Email != email || got.DisplayName != name || got.Subject == "" {
		t.Errorf("identity = %+v, want user %q email %q name %q and a subject", got, user, email, name)
	}
	if g, w := sorted(got.Groups), sorted(groups); !slices.Equal(g, w) {
		t.Errorf("groups = %q, want %q", g, w)
	}
}

func TestSimpleBindWithMemberOf(t *testing.T) {
	s := realServer(t)
	c := ldap.New()
	ctx := context.Background()
	cfg := simpleBind(s)
	id, err := c.Authenticate(ctx, cfg, "alice", "alice-pw")
	if err != nil {
		t.Fatal(err)
	}
	wantIdentity(t, id, "alice", "alice@keeper.test", "Alice Liddell", "admins", "devs")
	again, _ := c.Authenticate(ctx, cfg, "alice", "alice-pw")
	if again.Subject != id.Subject {
		t.Errorf("subject not stable: %q then %q", id.Subject, again.Subject)
	}
	// A DN special character in the login name is escaped, not interpreted.
	id, err = c.Authenticate(ctx, cfg, "dave+ops", "dave+ops-pw")
	if err != nil {
		t.Fatal(err)
	}
	wantIdentity(t, id, "dave+ops", "dave.ops@keeper.test", "Dave Ops", "ops")

	for _, bad := range [][2]string{{"alice", "wrong"}, {"alice", ""}, {"nobody", "x"}, {"alice,ou=people", "alice-pw"}, {"", "alice-pw"}} {
		if _, err := c.Authenticate(ctx, cfg, bad[0], bad[1]); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("login %q/%q: err = %v, want bad credentials", bad[0], bad[1], err)
		}
	}
}

func TestSearchThenBindWithGroupSearch(t *testing.T) {
	s := realServer(t)
	c := ldap.New()
	ctx := context.Background()
	cfg := searchBind(s)
	id, err := c.Authenticate(ctx, cfg, "bob", "bob-pw")
	if err != nil {
		t.Fatal(err)
	}
	wantIdentity(t, id, "bob", "bob@keeper.test", "Bob Builder", "devs")
	id, err = c.Authenticate(ctx, cfg, "carol", "carol-pw")
	if err != nil {
		t.Fatal(err)
	}
	wantIdentity(t, id, "carol", "carol@keeper.test", "Carol Singer")

	// Filter metacharacters are escaped (RFC 4515): a wildcard or an injected
	// clause must not match anyone, even with a valid password of some user.
	for _, u := range []string{"*", "al*", "alice)(uid=*", "*)(|(uid=*"} {
		if _, err := c.Authenticate(ctx, cfg, u, "alice-pw"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("login %q: err = %v, want bad credentials", u, err)
		}
	}
	if _, err := c.Authenticate(ctx, cfg, "bob", "alice-pw"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("wrong password: %v", err)
	}
	cfg.BindPassword = "wrong"
	if _, err := c.Authenticate(ctx, cfg, "bob", "bob-pw"); err == nil || errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("broken service account: err = %v, want an operational error", err)
	}
}

func TestStartTLSAndLDAPS(t *testing.T) {
	s := realServer(t)
	if s.ldapsURL == "" || s.ca == "" {
		t.Skip("KEEPER_TEST_LDAPS_URL / KEEPER_TEST_LDAP_CA not set")
	}
	c := ldap.New()
	ctx := context.Background()
	ca := caPEM(t, s)

	start := searchBind(s)
	start.StartTLS, start.CACert = true, ca
	id, err := c.Authenticate(ctx, start, "alice", "alice-pw")
	if err != nil {
		t.Fatalf("starttls: %v", err)
	}
	wantIdentity(t, id, "alice", "alice@keeper.test", "Alice Liddell", "admins", "devs")

	ldaps := simpleBind(s)
	ldaps.URL, ldaps.CACert = s.ldapsURL, ca
	if _, err := c.Authenticate(ctx, ldaps, "bob", "bob-pw"); err != nil {
		t.Fatalf("ldaps: %v", err)
	}
	if _, err := c.Authenticate(ctx, ldaps, "bob", "nope"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("ldaps wrong password: %v", err)
	}

	// The certificate is checked: without the CA, or for another name, the
	// connection fails (and is not mistaken for a wrong password).
	noCA := ldaps
	noCA.CACert = ""
	if _, err := c.Authenticate(ctx, noCA, "bob", "bob-pw"); err == nil || errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("ldaps without CA: err = %v, want a TLS error", err)
	}
	otherName := start
	otherName.ServerName = "ldap.elsewhere.test"
	if _, err := c.Authenticate(ctx, otherName, "bob", "bob-pw"); err == nil || errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("starttls with wrong server name: err = %v, want a TLS error", err)
	}
}

func TestConfigValidation(t *testing.T) {
	good := parse(t, `{"url":"ldap://127.0.0.1:1","user_dn_template":"uid={username},dc=x"}`)
	if good.UsernameAttribute != "uid" || good.GroupNameAttribute != "cn" || good.TimeoutSeconds != 10 {
		t.Errorf("defaults not applied: %+v", good)
	}
	for _, bad := range []string{
		`{"url":"http://x","user_dn_template":"uid={username}"}`,
		`{"url":"ldap://x"}`,
		`{"url":"ldap://x","user_dn_template":"uid=fixed"}`,
		`{"url":"ldap://x","user_dn_template":"uid={username}","user_base_dn":"dc=x","user_filter":"(uid={username})"}`,
		`{"url":"ldap://x","user_base_dn":"dc=x","user_filter":"(uid=alice)"}`,
		`{"url":"ldaps://x","start_tls":true,"user_dn_template":"uid={username}"}`,
		`{"url":"ldap://x","user_dn_template":"uid={username}","surprise":1}`,
	} {
		if _, err := sso.ParseLDAP([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
