// Package casbin implements ports.Authorizer with casbin: one RBAC model with
// deny-overrides and repository patterns, rules stored in the metadata
// database through a bun adapter, cached in memory and reloaded in every
// replica when the stored policy version changes.
package casbin
