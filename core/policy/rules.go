package policy

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// Roles shipped with Keeper. Any "role:NAME" may be used in rules; these
// have meaning in the default rule set.
const (
	RoleAdmin         = "role:admin"
	RolePolicyAuthor  = "role:policy-author"
	RoleDeveloper     = "role:developer"
	RoleReader        = "role:reader"
	RoleAnonymous     = "role:anonymous"
	RoleAuthenticated = "role:authenticated"
)

// ActionPolicy is the server-wide right to read and change policies.
const ActionPolicy = "policy"

// Public is the object that matches every public repository.
const Public = "@public"

// Actions are the actions rules may name ("*" means all).
var Actions = []string{ports.ActionRead, ports.ActionWrite, ports.ActionDelete, ports.ActionAdmin, ActionPolicy, "*"}

// Defaults is the rule set a fresh server starts with: administrators may do
// everything; policy authors may edit policies; developers read, write and
// delete and readers read every repository, but nobody is made a developer
// or reader by default: a new user gets no repository rights until an
// administrator grants them (docs/authorization.md shows how). Everybody,
// signed in or not, reads public repositories; the bootstrap admin is admin.
func Defaults() []ports.PolicyRule {
	return []ports.PolicyRule{
		{Kind: "p", Subject: RoleAdmin, Object: "*", Action: "*", Effect: "allow"},
		{Kind: "p", Subject: RolePolicyAuthor, Object: "*", Action: ActionPolicy, Effect: "allow"},
		{Kind: "p", Subject: RoleDeveloper, Object: "*", Action: ports.ActionRead, Effect: "allow"},
		{Kind: "p", Subject: RoleDeveloper, Object: "*", Action: ports.ActionWrite, Effect: "allow"},
		{Kind: "p", Subject: RoleDeveloper, Object: "*", Action: ports.ActionDelete, Effect: "allow"},
		{Kind: "p", Subject: RoleReader, Object: "*", Action: ports.ActionRead, Effect: "allow"},
		{Kind: "p", Subject: RoleAnonymous, Object: Public, Action: ports.ActionRead, Effect: "allow"},
		{Kind: "p", Subject: RoleAuthenticated, Object: Public, Action: ports.ActionRead, Effect: "allow"},
		{Kind: "g", Subject: "user:admin", Object: RoleAdmin},
	}
}

// Identities lists what a subject is known as in rules: its user, its
// groups, role:admin for administrators, role:authenticated for every
// signed-in user, role:anonymous otherwise.
func Identities(s ports.Subject) []string {
	if s.Anonymous {
		return []string{RoleAnonymous}
	}
	ids := make([]string, 0, 3+len(s.Groups))
	ids = append(ids, "user:"+s.Username, RoleAuthenticated)
	for _, g := range s.Groups {
		ids = append(ids, "group:"+g)
	}
	if s.IsAdmin {
		ids = append(ids, RoleAdmin)
	}
	return ids
}

// MatchRepository reports whether repository key repo (empty: the server
// itself) matches pattern.
func MatchRepository(pattern, repo string, public bool) bool {
	switch {
	case pattern == "*":
		return true
	case pattern == Public:
		return public && repo != ""
	case repo == "":
		return false
	}
	ok, err := path.Match(pattern, repo)
	return err == nil && ok
}

// MatchAction reports whether a rule's action covers the requested one.
func MatchAction(ruleAction, action string) bool { return ruleAction == "*" || ruleAction == action }

// Normalize fills defaults (effect allow) and trims spaces.
func Normalize(r ports.PolicyRule) ports.PolicyRule {
	r.Kind, r.Subject, r.Object = strings.TrimSpace(r.Kind), strings.TrimSpace(r.Subject), strings.TrimSpace(r.Object)
	r.Action, r.Effect = strings.TrimSpace(r.Action), strings.TrimSpace(r.Effect)
	if r.Kind == "p" && r.Effect == "" {
		r.Effect = "allow"
	}
	return r
}

// Validate checks every rule and returns an ErrInvalid naming the first bad
// one by its index.
func Validate(rules []ports.PolicyRule) error {
	if len(rules) == 0 {
		return ports.Invalidf("rules", "must not be empty (a policy without rules would lock everybody out; `keeper policy reset` restores the defaults)")
	}
	if len(rules) > 10000 {
		return ports.Invalidf("rules", "too many rules (%d, at most 10000)", len(rules))
	}
	for i, r := range rules {
		if err := validateRule(Normalize(r)); err != nil {
			return ports.Invalidf(fmt.Sprintf("rules[%d]", i), "%s", err)
		}
	}
	return nil
}

func validateRule(r ports.PolicyRule) error {
	if err := validSubject(r.Subject, "subject"); err != nil {
		return err
	}
	switch r.Kind {
	case "p":
		if !slices.Contains(Actions, r.Action) {
			return fmt.Errorf("unknown action %q (allowed: %s)", r.Action, strings.Join(Actions, ", "))
		}
		if r.Effect != "allow" && r.Effect != "deny" {
			return fmt.Errorf("unknown effect %q (allowed: allow, deny)", r.Effect)
		}
		return validPattern(r.Object)
	case "g":
		if r.Action != "" || (r.Effect != "" && r.Effect != "allow") {
			return fmt.Errorf("a membership rule (g) takes no action or effect")
		}
		if !strings.HasPrefix(r.Object, "role:") && !strings.HasPrefix(r.Object, "group:") {
			return fmt.Errorf("object %q of a membership rule must be role:NAME or group:NAME", r.Object)
		}
		return validSubject(r.Object, "object")
	}
	return fmt.Errorf("unknown kind %q (allowed: p for permissions, g for memberships)", r.Kind)
}

func validSubject(s, field string) error {
	kind, name, ok := strings.Cut(s, ":")
	if !ok || (kind != "user" && kind != "group" && kind != "role") {
		return fmt.Errorf("%s %q must be user:NAME, group:NAME or role:NAME", field, s)
	}
	if name == "" || len(name) > 200 || strings.ContainsAny(name, ",\n\r\"") {
		return fmt.Errorf("%s %q has an empty or malformed name", field, s)
	}
	return nil
}

// validPattern accepts "*", "@public" or a path.Match pattern.
func validPattern(p string) error {
	if p == "*" || p == Public {
		return nil
	}
	if p == "" || len(p) > 200 || strings.ContainsAny(p, ",\n\r\"") {
		return fmt.Errorf("repository pattern %q is empty or malformed", p)
	}
	if _, err := path.Match(p, ""); err != nil {
		return fmt.Errorf("repository pattern %q is malformed: %v", p, err)
	}
	return nil
}
