package casbin_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/casbin"
	"github.com/keeper-registry/keeper/core/policy"
	"github.com/keeper-registry/keeper/ports"
)

// openDB returns a migrated SQLite store, or PostgreSQL when
// KEEPER_TEST_POSTGRES_URL is set and pg is true.
func openDB(t *testing.T, dsn string) *bunstore.Store {
	t.Helper()
	if dsn == "" {
		dsn = filepath.Join(t.TempDir(), "k.db")
	}
	s, err := bunstore.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

func newAuthorizer(t *testing.T, s *bunstore.Store) *casbin.Authorizer {
	t.Helper()
	a, err := casbin.New(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func check(t *testing.T, a ports.Authorizer, sub ports.Subject, action, repo string, public, want bool) ports.Decision {
	t.Helper()
	d, err := a.Authorize(t.Context(), sub, action, ports.Resource{Repository: repo, Public: public})
	if err != nil {
		t.Fatal(err)
	}
	if d.Allowed != want {
		t.Errorf("%+v %s %q (public %v): allowed=%v (rule %q), want %v", sub, action, repo, public, d.Allowed, d.Rule, want)
	}
	return d
}

var (
	anon  = ports.Subject{Anonymous: true}
	admin = ports.Subject{UserID: 1, Username: "admin", IsAdmin: true}
	alice = ports.Subject{UserID: 2, Username: "alice"}
)

func TestDefaults(t *testing.T) {
	a := newAuthorizer(t, openDB(t, ""))
	d := check(t, a, admin, ports.ActionAdmin, "", false, true)
	if !strings.Contains(d.Rule, "administrator") {
		t.Errorf("admin decided by %q", d.Rule)
	}
	check(t, a, admin, policy.ActionPolicy, "", false, true)
	// A new user gets no repository rights by default (issue 20.5), only public reads.
	check(t, a, alice, ports.ActionRead, "libs", false, false)
	check(t, a, alice, ports.ActionWrite, "libs", false, false)
	check(t, a, alice, ports.ActionDelete, "libs", false, false)
	check(t, a, alice, ports.ActionRead, "pub", true, true)
	check(t, a, alice, ports.ActionAdmin, "libs", false, false)
	check(t, a, alice, ports.ActionAdmin, "", false, false)
	check(t, a, alice, policy.ActionPolicy, "", false, false)
	check(t, a, anon, ports.ActionRead, "pub", true, true)
	check(t, a, anon, ports.ActionRead, "priv", false, false)
	check(t, a, anon, ports.ActionWrite, "pub", true, false)
	// The bootstrap admin is admin by rule even without the flag.
	check(t, a, ports.Subject{UserID: 1, Username: "admin"}, ports.ActionAdmin, "", false, true)
	// Token scopes intersect with the user's rights.
	if _, err := a.Replace(t.Context(), append(policy.Defaults(), ports.PolicyRule{Kind: "g", Subject: "user:alice", Object: policy.RoleDeveloper})); err != nil {
		t.Fatal(err)
	}
	check(t, a, alice, ports.ActionWrite, "libs", false, true)
	tok := alice
	tok.TokenID, tok.Scopes, tok.Repos = 9, []string{"read:artifacts"}, []string{"libs-*"}
	check(t, a, tok, ports.ActionRead, "libs-a", false, true)
	check(t, a, tok, ports.ActionRead, "other", false, false)
	check(t, a, tok, ports.ActionWrite, "libs-a", false, false)
	adminScoped := alice
	adminScoped.TokenID, adminScoped.Scopes = 9, []string{"admin"}
	check(t, a, adminScoped, ports.ActionAdmin, "", false, false) // the scope does not add rights the user lacks
	// A repository-limited token of an administrator gets no server administration (issue 20.6).
	limitedAdmin := admin
	limitedAdmin.TokenID, limitedAdmin.Scopes, limitedAdmin.Repos = 10, []string{"admin"}, []string{"libs-*"}
	check(t, a, limitedAdmin, ports.ActionAdmin, "libs-a", false, true)
	check(t, a, limitedAdmin, ports.ActionAdmin, "", false, false)
	check(t, a, limitedAdmin, policy.ActionPolicy, "", false, false)
	// An administrator stays one whatever the rules say (issue 23.1).
	if _, err := a.Replace(t.Context(), []ports.PolicyRule{{Kind: "p", Subject: "user:admin", Object: "*", Action: "*", Effect: "deny"}}); err != nil {
		t.Fatal(err)
	}
	check(t, a, admin, policy.ActionPolicy, "", false, true)
	if _, err := a.Replace(t.Context(), nil); !errors.Is(err, ports.ErrInvalid) {
		t.Errorf("an empty rule set was accepted: %v", err)
	}
}

func TestReplaceGroupsDenyAndReload(t *testing.T) {
	s := openDB(t, "")
	a, b := newAuthorizer(t, s), newAuthorizer(t, s) // two replicas on one database
	v0 := a.Version()
	rules := []ports.PolicyRule{
		{Kind: "p", Subject: policy.RoleAdmin, Object: "*", Action: "*"},
		{Kind: "p", Subject: policy.RoleReader, Object: "*", Action: "read"},
		{Kind: "p", Subject: "group:team-a", Object: "team-a-*", Action: "write"},
		{Kind: "p", Subject: "group:team-a", Object: "team-a-secret", Action: "write", Effect: "deny"},
		{Kind: "p", Subject: policy.RolePolicyAuthor, Object: "*", Action: "policy"},
		{Kind: "g", Subject: policy.RoleAuthenticated, Object: policy.RoleReader},
		{Kind: "g", Subject: "user:carol", Object: policy.RolePolicyAuthor},
	}
	bad := append([]ports.PolicyRule{}, rules...)
	bad = append(bad, ports.PolicyRule{Kind: "p", Subject: "user:x", Object: "*", Action: "launch"})
	if _, err := a.Replace(t.Context(), bad); !errors.Is(err, ports.ErrInvalid) || !strings.Contains(err.Error(), "launch") {
		t.Fatalf("invalid replace: %v", err)
	}
	if a.Version() != v0 {
		t.Fatal("a refused replace changed the version")
	}
	v, err := a.Replace(t.Context(), rules)
	if err != nil || v != v0+1 || a.Version() != v {
		t.Fatalf("replace: v=%d err=%v loaded=%d", v, err, a.Version())
	}
	dev := ports.Subject{UserID: 3, Username: "dave", Groups: []string{"team-a"}}
	check(t, a, dev, "write", "team-a-libs", false, true)
	d := check(t, a, dev, "write", "team-a-secret", false, false)
	if !strings.Contains(d.Rule, "deny") {
		t.Errorf("deny decided by %q", d.Rule)
	}
	check(t, a, alice, "write", "team-a-libs", false, false)
	check(t, a, alice, "read", "team-a-libs", false, true)
	check(t, a, ports.Subject{UserID: 4, Username: "carol"}, "policy", "", false, true)

	// Replica b still has the old policy until it notices the version.
	check(t, b, alice, "read", "team-a-libs", false, false)
	if err := b.CheckVersion(t.Context()); err != nil {
		t.Fatal(err)
	}
	check(t, b, alice, "read", "team-a-libs", false, true)
	if b.Version() != v {
		t.Errorf("b loaded version %d, want %d", b.Version(), v)
	}

	who, err := a.Who(t.Context(), "team-a-libs", false, "write")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(who, ",") != "group:team-a,role:admin" {
		t.Errorf("who can write team-a-libs: %v", who)
	}
	who, _ = a.Who(t.Context(), "team-a-libs", false, "read")
	for _, want := range []string{"role:authenticated", "role:reader", "user:carol", "group:team-a"} {
		if !strings.Contains(strings.Join(who, ","), want) {
			t.Errorf("who can read: %v lacks %s", who, want)
		}
	}
	if strings.Contains(strings.Join(who, ","), "role:anonymous") {
		t.Errorf("anonymous may not read a private repository: %v", who)
	}
}
