package casbin

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/policy"
	"github.com/keeper-registry/keeper/ports"
)

// modelText is Keeper's one authorization model. A request carries the set
// of identities the caller has (user, groups, built-in roles, closed over
// the g rules), the repository key ("" for the server), the action and
// whether the repository is public. Any matching deny wins over allows.
const modelText = `
[request_definition]
r = sub, obj, act, pub

[policy_definition]
p = sub, obj, act, eft

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = hasIdentity(r.sub, p.sub) && repoMatch(r.obj, p.obj, r.pub) && actionMatch(r.act, p.act)
`

// identitySet is what r.sub holds: every name the caller is known as.
type identitySet map[string]bool

// snapshot is one loaded policy: the enforcer and the transitive closure of
// memberships, swapped atomically on reload so Authorize never locks.
type snapshot struct {
	enforcer *casbin.Enforcer
	closure  map[string][]string // name → every role/group it reaches
	rules    []ports.PolicyRule
	version  int64
	// decisions caches answers by (identities, repository, action, public);
	// it dies with the snapshot, so a reload never serves a stale answer.
	decisions sync.Map
	cached    atomic.Int64
}

// maxCachedDecisions bounds the decision cache of one snapshot.
const maxCachedDecisions = 100000

// Authorizer is the casbin-backed ports.Authorizer and ports.PolicyAdmin.
type Authorizer struct {
	store   ports.PolicyStore
	current atomic.Pointer[snapshot]
	mu      sync.Mutex // serialises reloads
}

var (
	_ ports.Authorizer  = (*Authorizer)(nil)
	_ ports.PolicyAdmin = (*Authorizer)(nil)
)

// New loads the policy from store, seeding policy.Defaults() when the
// database never had one.
func New(ctx context.Context, store ports.PolicyStore) (*Authorizer, error) {
	if seeded, err := store.SeedDefaults(ctx, policy.Defaults()); err != nil {
		return nil, err
	} else if seeded {
		slog.Info("casbin: seeded the default policy")
	}
	a := &Authorizer{store: store}
	if err := a.Reload(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

func build(rules []ports.PolicyRule, version int64) (*snapshot, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("casbin: model: %w", err)
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("casbin: enforcer: %w", err)
	}
	e.EnableAutoSave(false)
	e.AddFunction("hasIdentity", func(args ...any) (any, error) {
		set, _ := args[0].(identitySet)
		name, _ := args[1].(string)
		return set[name], nil
	})
	e.AddFunction("repoMatch", func(args ...any) (any, error) {
		repo, _ := args[0].(string)
		pat, _ := args[1].(string)
		pub, _ := args[2].(bool)
		return policy.MatchRepository(pat, repo, pub), nil
	})
	e.AddFunction("actionMatch", func(args ...any) (any, error) {
		act, _ := args[0].(string)
		ruleAct, _ := args[1].(string)
		return policy.MatchAction(ruleAct, act), nil
	})
	var ps, gs [][]string
	for _, r := range rules {
		r = policy.Normalize(r)
		if r.Kind == "g" {
			gs = append(gs, []string{r.Subject, r.Object})
		} else {
			ps = append(ps, []string{r.Subject, r.Object, r.Action, r.Effect})
		}
	}
	if len(ps) > 0 {
		if _, err := e.AddPolicies(ps); err != nil {
			return nil, fmt.Errorf("casbin: load p rules: %w", err)
		}
	}
	if len(gs) > 0 {
		if _, err := e.AddGroupingPolicies(gs); err != nil {
			return nil, fmt.Errorf("casbin: load g rules: %w", err)
		}
	}
	closure := map[string][]string{}
	for _, g := range gs {
		for _, name := range g {
			if _, done := closure[name]; done {
				continue
			}
			roles, err := e.GetImplicitRolesForUser(name)
			if err != nil {
				return nil, fmt.Errorf("casbin: roles of %s: %w", name, err)
			}
			closure[name] = roles
		}
	}
	return &snapshot{enforcer: e, closure: closure, rules: rules, version: version}, nil
}

// Reload reads the rules from the store and swaps them in.
func (a *Authorizer) Reload(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	rules, v, err := a.store.LoadRules(ctx)
	if err != nil {
		return err
	}
	snap, err := build(rules, v)
	if err != nil {
		return err
	}
	a.current.Store(snap)
	return nil
}

// Version is the loaded policy version.
func (a *Authorizer) Version() int64 { return a.current.Load().version }

// Watch polls the stored policy version every interval and reloads when it
// changed (another replica, or a direct database edit), until ctx ends.
func (a *Authorizer) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := a.CheckVersion(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("casbin: policy reload check failed", "err", err)
		}
	}
}

// CheckVersion reloads if the stored version differs from the loaded one.
func (a *Authorizer) CheckVersion(ctx context.Context) error {
	v, err := a.store.PolicyVersion(ctx)
	if err != nil {
		return err
	}
	if v == a.Version() {
		return nil
	}
	slog.Info("casbin: policy changed, reloading", "from", a.Version(), "to", v)
	return a.Reload(ctx)
}

// identities closes a subject's names over the membership rules.
func (s *snapshot) identities(sub ports.Subject) identitySet {
	base := policy.Identities(sub)
	set := make(identitySet, len(base)*2)
	for _, id := range base {
		set[id] = true
		for _, r := range s.closure[id] {
			set[r] = true
		}
	}
	return set
}

// Authorize intersects an API token's scopes and repository selector with
// what the policy grants the user. Administrators (the user flag) are
// allowed whatever the rules say, so no policy can lock them out.
func (a *Authorizer) Authorize(ctx context.Context, sub ports.Subject, action string, r ports.Resource) (ports.Decision, error) {
	if !auth.TokenPermits(ctx, sub, action, r.Repository) {
		return ports.Decision{Rule: "token scope or repository selector"}, nil
	}
	if sub.IsAdmin && !sub.Anonymous {
		return ports.Decision{Allowed: true, Rule: "built-in: administrator"}, nil
	}
	s := a.current.Load()
	return s.decide(s.identities(sub), action, r)
}

func (s *snapshot) decide(ids identitySet, action string, r ports.Resource) (ports.Decision, error) {
	names := make([]string, 0, len(ids))
	for id := range ids {
		names = append(names, id)
	}
	sort.Strings(names)
	key := fmt.Sprintf("%s\x00%s\x00%s\x00%t", strings.Join(names, "\x01"), r.Repository, action, r.Public)
	if d, ok := s.decisions.Load(key); ok {
		return d.(ports.Decision), nil
	}
	d, err := s.enforce(ids, action, r)
	if err == nil && s.cached.Load() < maxCachedDecisions {
		s.cached.Add(1)
		s.decisions.Store(key, d)
	}
	return d, err
}

func (s *snapshot) enforce(ids identitySet, action string, r ports.Resource) (ports.Decision, error) {
	ok, explain, err := s.enforcer.EnforceEx(ids, r.Repository, action, r.Public)
	if err != nil {
		return ports.Decision{}, fmt.Errorf("casbin: enforce: %w", err)
	}
	rule := "default deny (no rule matched)"
	if len(explain) > 0 {
		rule = "p, " + strings.Join(explain, ", ")
	}
	return ports.Decision{Allowed: ok, Rule: rule}, nil
}

// Rules returns the loaded rules and their version.
func (a *Authorizer) Rules(context.Context) ([]ports.PolicyRule, int64, error) {
	s := a.current.Load()
	return slices.Clone(s.rules), s.version, nil
}

// Replace validates rules, stores them atomically and reloads.
func (a *Authorizer) Replace(ctx context.Context, rules []ports.PolicyRule) (int64, error) {
	if err := policy.Validate(rules); err != nil {
		return 0, err
	}
	norm := make([]ports.PolicyRule, len(rules))
	for i, r := range rules {
		norm[i] = policy.Normalize(r)
	}
	if _, err := build(norm, 0); err != nil { // the model must accept them before they are stored
		return 0, ports.Invalidf("rules", "%v", err)
	}
	v, err := a.store.ReplaceRules(ctx, norm)
	if err != nil {
		return 0, err
	}
	return v, a.Reload(ctx)
}

// Who lists the rule subjects (users, groups, roles named in the policy,
// plus the built-in roles) that, holding only that name, may do action on
// the repository.
func (a *Authorizer) Who(_ context.Context, repo string, public bool, action string) ([]string, error) {
	s := a.current.Load()
	names := map[string]bool{policy.RoleAnonymous: true, policy.RoleAuthenticated: true, policy.RoleAdmin: true}
	for _, r := range s.rules {
		names[r.Subject] = true
		if r.Kind == "g" {
			names[r.Object] = true
		}
	}
	var out []string
	for name := range names {
		ids := identitySet{name: true}
		for _, r := range s.closure[name] {
			ids[r] = true
		}
		if strings.HasPrefix(name, "user:") || strings.HasPrefix(name, "group:") { // members are signed-in users
			ids[policy.RoleAuthenticated] = true
			for _, r := range s.closure[policy.RoleAuthenticated] {
				ids[r] = true
			}
		}
		d, err := s.decide(ids, action, ports.Resource{Repository: repo, Public: public})
		if err != nil {
			return nil, err
		}
		if d.Allowed {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Explain decides like Authorize for a subject described by its identities.
func (a *Authorizer) Explain(sub ports.Subject, action string, r ports.Resource) (ports.Decision, error) {
	return a.Authorize(context.Background(), sub, action, r)
}
