package importer

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// SecuritySource is the source's Security API: users, groups and
// permission targets (adapters/artifactory).
type SecuritySource interface {
	Users(ctx context.Context) ([]SourceUser, error)
	Groups(ctx context.Context) ([]SourceGroup, error)
	Permissions(ctx context.Context) ([]SourcePermission, error)
}

// SourceUser is one user of the source (its password never leaves it).
type SourceUser struct {
	Name   string
	Email  string
	Admin  bool
	Realm  string // "internal", "ldap", "saml", …
	Groups []string
}

// SourceGroup is one group of the source.
type SourceGroup struct {
	Name        string
	Description string
	Admin       bool // adminPrivileges
	Realm       string
}

// SourcePermission is one permission target's repository section
// (permissions v2): the repositories, path patterns and who may do what.
type SourcePermission struct {
	Name         string
	Repositories []string
	Include      []string
	Exclude      []string
	Users        map[string][]string // name → actions
	Groups       map[string][]string
	// Other names sections Keeper has no equivalent for (build, releaseBundle).
	Other []string
}

// SecurityTarget is where the mapped security lands.
type SecurityTarget interface {
	// EnsureUser creates u without a password (it must set one, or sign in
	// through SSO/LDAP); an existing user is left as it is (created false).
	EnsureUser(ctx context.Context, u SourceUser) (created bool, err error)
	// EnsureGroup creates the group when missing and adds members (usernames that exist).
	EnsureGroup(ctx context.Context, g SourceGroup, members []string) (created bool, err error)
	// AddRules adds the rules the policy does not hold yet.
	AddRules(ctx context.Context, rules []ports.PolicyRule) error
}

// actionMap maps Artifactory's permission actions
// (https://jfrog.com/help/r/jfrog-rest-apis/permission-target-json-v2:
// read, annotate, write, delete, manage, managedXrayMeta, distribute) to
// Keeper's; the others have no equivalent and are reported.
var actionMap = map[string]string{
	"read": ports.ActionRead, "write": ports.ActionWrite, "deploy": ports.ActionWrite,
	"delete": ports.ActionDelete, "manage": ports.ActionAdmin,
}

// wholeRepository are include patterns meaning every path.
var wholeRepository = []string{"**", "**/*", ""}

// RunSecurity maps the source's users, groups and permission targets
// onto t: users without passwords, groups with their members, one allow
// rule per mapped (subject, repository, action). What cannot be mapped
// exactly is reported as skipped with the reason and never widened: a
// permission limited to some paths is not granted on the whole repository.
func RunSecurity(ctx context.Context, src SecuritySource, t SecurityTarget, o Options, step func(Item)) error {
	users, err := src.Users(ctx)
	if err != nil {
		return fmt.Errorf("importer: list users: %w", err)
	}
	groups, err := src.Groups(ctx)
	if err != nil {
		return fmt.Errorf("importer: list groups: %w", err)
	}
	perms, err := src.Permissions(ctx)
	if err != nil {
		return fmt.Errorf("importer: list permission targets: %w", err)
	}
	members := map[string][]string{}
	for _, u := range users {
		created, err := t.EnsureUser(ctx, u)
		it := Item{Repository: "@security", Path: "user:" + u.Name, Outcome: Imported}
		switch {
		case err != nil:
			it.Outcome, it.Reason = Failed, err.Error()
		case !created:
			it.Outcome, it.Reason = Skipped, "a user of that name exists: left as it is"
		case u.Realm != "" && u.Realm != "internal":
			it.Reason = "created without a password: it signs in through " + u.Realm
		default:
			it.Reason = "created without a password: an administrator sets one, or it signs in through SSO"
		}
		step(it)
		if err == nil {
			for _, g := range u.Groups {
				members[g] = append(members[g], u.Name)
			}
		}
	}
	var rules []ports.PolicyRule
	for _, g := range groups {
		created, err := t.EnsureGroup(ctx, g, members[g.Name])
		it := Item{Repository: "@security", Path: "group:" + g.Name, Outcome: Imported}
		switch {
		case err != nil:
			it.Outcome, it.Reason = Failed, err.Error()
		case !created:
			it.Reason = "the group existed: members added"
		}
		if err == nil && g.Admin {
			rules = append(rules, ports.PolicyRule{Kind: "p", Subject: "group:" + g.Name, Object: "*", Action: ports.ActionAdmin, Effect: "allow"})
			it.Reason = joinReason(it.Reason, "admin privileges: admin on every repository")
		}
		step(it)
	}
	for _, p := range perms {
		r, it := mapPermission(p, o.Map)
		rules = append(rules, r...)
		step(it)
	}
	if len(rules) > 0 {
		if err := t.AddRules(ctx, rules); err != nil {
			step(Item{Repository: "@security", Path: "policy", Outcome: Failed, Reason: err.Error()})
		}
	}
	return nil
}

// mapPermission turns one permission target into rules, or says why not.
func mapPermission(p SourcePermission, rename map[string]string) ([]ports.PolicyRule, Item) {
	it := Item{Repository: "@security", Path: "permission:" + p.Name, Outcome: Imported}
	var notes []string
	if len(p.Other) > 0 {
		notes = append(notes, "sections without a Keeper equivalent not imported: "+strings.Join(p.Other, ", "))
	}
	for _, inc := range p.Include {
		if !slices.Contains(wholeRepository, inc) {
			it.Outcome, it.Reason = Skipped, fmt.Sprintf("include pattern %q limits it to some paths; Keeper grants whole repositories, so nothing was granted", inc)
			return nil, it
		}
	}
	if len(p.Exclude) > 0 {
		it.Outcome, it.Reason = Skipped, fmt.Sprintf("exclude patterns %q; Keeper grants whole repositories, so nothing was granted", p.Exclude)
		return nil, it
	}
	var objects []string
	for _, r := range p.Repositories {
		switch r {
		case "ANY":
			objects = append(objects, "*")
		case "ANY LOCAL", "ANY REMOTE", "ANY DISTRIBUTION":
			notes = append(notes, fmt.Sprintf("%q not granted (Keeper patterns match keys, not repository types)", r))
		default:
			if m, ok := rename[r]; ok {
				r = m
			}
			objects = append(objects, r)
		}
	}
	var rules []ports.PolicyRule
	unmapped := map[string]bool{}
	add := func(kind string, who map[string][]string) {
		names := make([]string, 0, len(who))
		for n := range who {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			for _, a := range who[n] {
				act, ok := actionMap[strings.ToLower(a)]
				if !ok {
					unmapped[a] = true
					continue
				}
				for _, obj := range objects {
					rules = append(rules, ports.PolicyRule{Kind: "p", Subject: kind + ":" + n, Object: obj, Action: act, Effect: "allow"})
				}
			}
		}
	}
	add("user", p.Users)
	add("group", p.Groups)
	if len(unmapped) > 0 {
		var as []string
		for a := range unmapped {
			as = append(as, a)
		}
		sort.Strings(as)
		notes = append(notes, "actions without a Keeper equivalent not granted: "+strings.Join(as, ", "))
	}
	if len(rules) == 0 {
		it.Outcome = Skipped
		notes = append(notes, "nothing to grant")
	}
	it.Reason = strings.Join(notes, "; ")
	return rules, it
}
