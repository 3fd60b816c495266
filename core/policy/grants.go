package policy

import (
	"errors"
	"fmt"

	"github.com/keeper-registry/keeper/ports"
)

// ErrEscalation: a policy author tried to grant a right or role they do not
// hold themselves (or server administration, which only admins grant).
var ErrEscalation = errors.New("policy: grant beyond the author's own rights")

// maxGrantChecks bounds the rights checked for one save.
const maxGrantChecks = 20000

// CheckGrants refuses a rule set in which a policy author who is not an
// administrator grants more than they hold. Only rules that are new
// (absent from prev) are checked: keeping what an admin wrote is fine.
// A new allow rule may not name the admin action or "*", and holds must
// say the author may do its action on its object; a new membership rule
// may not name role:admin, and the author must hold every right the role
// or group reaches in next. Removing a deny rule grants what it denied,
// so only administrators do that.
func CheckGrants(prev, next []ports.PolicyRule, holds func(action, object string) (bool, error)) error {
	old := make(map[ports.PolicyRule]bool, len(prev))
	for _, r := range prev {
		old[Normalize(r)] = true
	}
	kept := make(map[ports.PolicyRule]bool, len(next))
	for _, r := range next {
		kept[Normalize(r)] = true
	}
	for r := range old {
		if r.Kind == "p" && r.Effect == "deny" && !kept[r] {
			return fmt.Errorf("%w: removing %s; only administrators remove deny rules", ErrEscalation, describe(r))
		}
	}
	checks := 0
	check := func(r ports.PolicyRule, why string) error {
		if r.Action == "*" || r.Action == ports.ActionAdmin {
			return fmt.Errorf("%w: %s grants %q; only administrators grant it", ErrEscalation, why, r.Action)
		}
		if checks++; checks > maxGrantChecks {
			return fmt.Errorf("%w: too many grants to check", ErrEscalation)
		}
		ok, err := holds(r.Action, r.Object)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: %s grants %s on %s, which you do not hold", ErrEscalation, why, r.Action, r.Object)
		}
		return nil
	}
	for _, r := range next {
		r = Normalize(r)
		if old[r] {
			continue
		}
		switch {
		case r.Kind == "p" && r.Effect == "allow":
			if err := check(r, describe(r)); err != nil {
				return err
			}
		case r.Kind == "g":
			for _, p := range reachable(next, r.Object) {
				if p.Subject == RoleAdmin || p.Subject == "role:*" {
					return fmt.Errorf("%w: %s makes its member an administrator", ErrEscalation, describe(r))
				}
				if err := check(p, describe(r)+" (through "+describe(p)+")"); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// reachable lists the allow rules a member of name receives in rules (the
// role or group itself and everything it is a member of), plus a
// synthetic rule naming role:admin when the closure reaches it.
func reachable(rules []ports.PolicyRule, name string) []ports.PolicyRule {
	seen := map[string]bool{name: true}
	queue := []string{name}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, r := range rules {
			r = Normalize(r)
			if r.Kind == "g" && r.Subject == n && !seen[r.Object] {
				seen[r.Object] = true
				queue = append(queue, r.Object)
			}
		}
	}
	var out []ports.PolicyRule
	if seen[RoleAdmin] {
		out = append(out, ports.PolicyRule{Kind: "p", Subject: RoleAdmin, Object: "*", Action: "*", Effect: "allow"})
	}
	for _, r := range rules {
		r = Normalize(r)
		if r.Kind == "p" && r.Effect == "allow" && seen[r.Subject] {
			out = append(out, r)
		}
	}
	return out
}

// describe renders a rule the way decisions cite it.
func describe(r ports.PolicyRule) string {
	if r.Kind == "g" {
		return fmt.Sprintf("g, %s, %s", r.Subject, r.Object)
	}
	return fmt.Sprintf("p, %s, %s, %s, %s", r.Subject, r.Object, r.Action, r.Effect)
}
