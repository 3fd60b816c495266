package ports

import "context"

// PolicyRule is one authorization rule. Kind "p" grants (or denies) Action
// on repositories matching Object to Subject; kind "g" makes Subject a
// member of the role or group named in Object.
//
// Subjects are "user:NAME", "group:NAME" or "role:NAME". Objects of "p"
// rules are repository key patterns ("*", "libs-*", "team-?/x") or "@public"
// (every public repository); the server itself is matched only by "*".
type PolicyRule struct {
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	Object  string `json:"object"`
	Action  string `json:"action,omitempty"`
	// Effect is "allow" (the default) or "deny"; deny wins.
	Effect string `json:"effect,omitempty"`
}

// PolicyStore persists the rule set with a version counter that every
// replica polls to know when to reload. It stores rules as given (the
// Authorizer validates and normalises them first). Conformance suite:
// porttest.PolicyStore.
type PolicyStore interface {
	// LoadRules returns every rule in the order stored and the current
	// version, read consistently (one transaction).
	LoadRules(ctx context.Context) ([]PolicyRule, int64, error)
	// ReplaceRules atomically replaces every rule and returns the bumped version.
	ReplaceRules(ctx context.Context, rules []PolicyRule) (int64, error)
	// PolicyVersion returns the current version (cheap; polled). A store
	// never written has version 0.
	PolicyVersion(ctx context.Context) (int64, error)
	// SeedDefaults stores rules only if the policy was never written
	// (version 0) and reports whether it did; concurrent callers (replicas
	// starting together) seed at most once.
	SeedDefaults(ctx context.Context, rules []PolicyRule) (bool, error)
}

// PolicyExplanation answers a policy dry run.
type PolicyExplanation struct {
	Allowed bool   `json:"allowed"`
	Rule    string `json:"rule"`
}

// PolicyAdmin is what policy authors use: read, replace, and test the rules.
type PolicyAdmin interface {
	Rules(ctx context.Context) ([]PolicyRule, int64, error)
	// Replace validates and stores rules; invalid rules are ErrInvalid with a message.
	Replace(ctx context.Context, rules []PolicyRule) (int64, error)
	// Who lists the subjects (users, groups, roles) that may do action on the repository.
	Who(ctx context.Context, repository string, public bool, action string) ([]string, error)
}
