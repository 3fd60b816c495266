package policy

import (
	"errors"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

func TestValidate(t *testing.T) {
	if err := Validate(Defaults()); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	bad := []struct {
		rule ports.PolicyRule
		want string
	}{
		{ports.PolicyRule{Kind: "p", Subject: "user:a", Object: "*", Action: "fly"}, "unknown action"},
		{ports.PolicyRule{Kind: "p", Subject: "user:a", Object: "libs-[", Action: "read"}, "malformed"},
		{ports.PolicyRule{Kind: "p", Subject: "bob", Object: "*", Action: "read"}, "must be user:NAME"},
		{ports.PolicyRule{Kind: "p", Subject: "user:a", Object: "*", Action: "read", Effect: "maybe"}, "unknown effect"},
		{ports.PolicyRule{Kind: "g", Subject: "user:a", Object: "user:b"}, "must be role:NAME"},
		{ports.PolicyRule{Kind: "x", Subject: "user:a", Object: "*"}, "unknown kind"},
		{ports.PolicyRule{Kind: "p", Subject: "user:a,b", Object: "*", Action: "read"}, "malformed name"},
	}
	for _, b := range bad {
		err := Validate([]ports.PolicyRule{Defaults()[0], b.rule})
		if !errors.Is(err, ports.ErrInvalid) || !strings.Contains(err.Error(), b.want) || !strings.Contains(err.Error(), "rules[1]") {
			t.Errorf("%+v: got %v, want ErrInvalid mentioning rules[1] and %q", b.rule, err, b.want)
		}
	}
}

func TestMatchRepository(t *testing.T) {
	cases := []struct {
		pat, repo string
		public    bool
		want      bool
	}{
		{"*", "", false, true}, {"*", "x", false, true}, {"libs-*", "libs-a", false, true},
		{"libs-*", "lib", false, false}, {"libs-*", "", false, false}, {Public, "x", true, true},
		{Public, "x", false, false}, {Public, "", true, false}, {"a?c", "abc", false, true},
	}
	for _, c := range cases {
		if got := MatchRepository(c.pat, c.repo, c.public); got != c.want {
			t.Errorf("MatchRepository(%q, %q, %v) = %v", c.pat, c.repo, c.public, got)
		}
	}
}

func TestIdentities(t *testing.T) {
	got := Identities(ports.Subject{Username: "al", Groups: []string{"ops"}, IsAdmin: true})
	want := []string{"user:al", RoleAuthenticated, "group:ops", RoleAdmin}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("identities %v, want %v", got, want)
	}
	if got := Identities(ports.Subject{Anonymous: true}); len(got) != 1 || got[0] != RoleAnonymous {
		t.Errorf("anonymous: %v", got)
	}
}
