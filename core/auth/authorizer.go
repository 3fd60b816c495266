package auth

import (
	"context"
	"path"
	"slices"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.Authorizer = BaselineAuthorizer{}

// BaselineAuthorizer is the built-in rule set used when no policy engine is
// wired: admins may do anything; everybody may read public repositories;
// nobody else gets anything. API tokens are further limited to their
// scopes and repository patterns.
type BaselineAuthorizer struct{}

// Scopes an API token (or a credential minted for a caller) may carry. Each
// means what its name says; docs/authorization.md tables them per route.
const (
	ScopeReadArtifacts    = "read:artifacts"
	ScopeWriteArtifacts   = "write:artifacts"
	ScopeDeleteArtifacts  = "delete:artifacts"
	ScopeReadRepositories = "read:repositories"
	// ScopeWriteRepositories creates, configures and deletes repositories
	// and their members (still only where the user's policy allows).
	ScopeWriteRepositories = "write:repositories"
	// ScopeAccount manages the owner's own account: profile, password,
	// tokens, sessions, two-factor settings.
	ScopeAccount = "account"
	// ScopeAdmin is every right of the user, server administration included.
	ScopeAdmin = "admin"
)

// ScopeActions maps each scope to the action a user must hold to mint it
// ("" for scopes every user holds).
var ScopeActions = map[string]string{
	ScopeReadArtifacts: ports.ActionRead, ScopeWriteArtifacts: ports.ActionWrite, ScopeDeleteArtifacts: ports.ActionDelete,
	ScopeReadRepositories: ports.ActionRead, ScopeWriteRepositories: ports.ActionAdmin, ScopeAdmin: ports.ActionAdmin,
	ScopeAccount: "",
}

// ScopeFor is the scope a limited caller needs for action on a repository
// ("" for the server itself).
func ScopeFor(action, repo string) string {
	switch action {
	case ports.ActionRead:
		return ScopeReadArtifacts
	case ports.ActionWrite:
		return ScopeWriteArtifacts
	case ports.ActionDelete:
		return ScopeDeleteArtifacts
	case ports.ActionAdmin:
		if repo != "" {
			return ScopeWriteRepositories
		}
	}
	return ScopeAdmin
}

// HasScope reports whether a limited caller holds scope (admin holds all).
func HasScope(s ports.Subject, scope string) bool {
	return !Limited(s) || slices.Contains(s.Scopes, ScopeAdmin) || slices.Contains(s.Scopes, scope)
}

type scopeCheckedKey struct{}

// WithScopeChecked marks ctx as a request whose route already required the
// caller's scope (the REST API's route table), so TokenPermits only applies
// the repository patterns and the no-server-administration rule.
func WithScopeChecked(ctx context.Context) context.Context {
	return context.WithValue(ctx, scopeCheckedKey{}, true)
}

func scopeChecked(ctx context.Context) bool {
	v, _ := ctx.Value(scopeCheckedKey{}).(bool)
	return v
}

// Authorize decides with the baseline rules.
func (BaselineAuthorizer) Authorize(ctx context.Context, s ports.Subject, action string, r ports.Resource) (ports.Decision, error) {
	if !TokenPermits(ctx, s, action, r.Repository) {
		return ports.Decision{Rule: "token scope or repository selector"}, nil
	}
	switch {
	case s.IsAdmin:
		return ports.Decision{Allowed: true, Rule: "admin"}, nil
	case action == ports.ActionRead && r.Public && r.Repository != "":
		return ports.Decision{Allowed: true, Rule: "public repository read"}, nil
	}
	return ports.Decision{Rule: "default deny"}, nil
}

// TokenPermits applies a limited caller's scopes and repository patterns;
// it is true for callers with their full rights. A token limited to
// repository patterns never reaches server-wide actions.
func TokenPermits(ctx context.Context, s ports.Subject, action, repo string) bool {
	if !Limited(s) {
		return true
	}
	if repo == "" {
		return len(s.Repos) == 0 && (scopeChecked(ctx) || HasScope(s, ScopeFor(action, repo)))
	}
	if !scopeChecked(ctx) && !HasScope(s, ScopeFor(action, repo)) {
		return false
	}
	if len(s.Repos) == 0 {
		return true
	}
	for _, pat := range s.Repos {
		if ok, _ := path.Match(pat, repo); ok {
			return true
		}
	}
	return false
}
