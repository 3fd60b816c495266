package auth

import (
	"context"
	"path"
	"slices"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.Authorizer = BaselineAuthorizer{}

// BaselineAuthorizer is the built-in rule set used until policies are
// configured: admins may do anything; anonymous callers may read public
// repositories; signed-in users may read and write repositories; API tokens
// are further limited to their scopes and repository patterns.
type BaselineAuthorizer struct{}

// scopeFor maps a repository action to the API-token scope that grants it.
var scopeFor = map[string]string{
	ports.ActionRead:   "read:artifacts",
	ports.ActionWrite:  "write:artifacts",
	ports.ActionDelete: "delete:artifacts",
	ports.ActionAdmin:  "admin",
	"policy":           "admin",
}

// ScopeActions maps each API-token scope to the action a user must hold to mint it.
var ScopeActions = map[string]string{
	"read:artifacts": ports.ActionRead, "write:artifacts": ports.ActionWrite, "delete:artifacts": ports.ActionDelete,
	"read:repositories": ports.ActionRead, "write:repositories": ports.ActionAdmin, "admin": ports.ActionAdmin,
}

// Authorize decides with the baseline rules.
func (BaselineAuthorizer) Authorize(_ context.Context, s ports.Subject, action string, r ports.Resource) (ports.Decision, error) {
	if !TokenPermits(s, action, r.Repository) {
		return ports.Decision{Rule: "token scope or repository selector"}, nil
	}
	switch {
	case s.IsAdmin:
		return ports.Decision{Allowed: true, Rule: "admin"}, nil
	case s.Anonymous:
		if action == ports.ActionRead && r.Public && r.Repository != "" {
			return ports.Decision{Allowed: true, Rule: "public repository read"}, nil
		}
		return ports.Decision{Rule: "anonymous"}, nil
	case r.Repository != "" && action != ports.ActionAdmin:
		return ports.Decision{Allowed: true, Rule: "signed-in user on repository"}, nil
	}
	return ports.Decision{Rule: "default deny"}, nil
}

// TokenPermits applies an API token's scopes and repository patterns; it is
// true for callers that did not use a token.
func TokenPermits(s ports.Subject, action, repo string) bool {
	if s.TokenID == 0 {
		return true
	}
	if !slices.Contains(s.Scopes, "admin") && !slices.Contains(s.Scopes, scopeFor[action]) {
		return false
	}
	if len(s.Repos) == 0 || repo == "" {
		return true
	}
	for _, pat := range s.Repos {
		if ok, _ := path.Match(pat, repo); ok {
			return true
		}
	}
	return false
}
