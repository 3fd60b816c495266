// Package casbin implements ports.Authorizer with casbin: one RBAC model with
// deny-overrides and repository patterns, rules kept in a ports.PolicyStore
// (the metadata database, adapters/bunstore), cached in memory and reloaded
// in every replica when the stored policy version changes.
package casbin
