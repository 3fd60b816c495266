package ports

import (
	"context"
	"time"
)

// AuditEvent is one entry of the audit log.
type AuditEvent struct {
	ID      int64
	At      time.Time
	ActorID int64
	// Actor is the username, "anonymous", or "system".
	Actor string
	// Action is dotted, e.g. auth.login, token.mint, policy.replace, access.denied.
	Action string
	// Target names what was acted on (a user, a token, a repository…).
	Target string
	// Outcome is "success", "failure" or "denied".
	Outcome string
	IP      string
	// Detail is free text (or JSON) with the specifics.
	Detail string
}

// AuditFilter narrows an audit listing; zero fields match all.
type AuditFilter struct {
	Actor  string
	Action string // exact, or a prefix ending in "." (e.g. "auth.")
	Target string // exact (e.g. "repo/path/of/file")
	Since  time.Time
	Until  time.Time
}

// AuditLog appends and lists audit events.
type AuditLog interface {
	// AppendAudit stores e and sets e.ID.
	AppendAudit(ctx context.Context, e *AuditEvent) error
	// ListAudit returns one page, newest first, and the total matching.
	ListAudit(ctx context.Context, f AuditFilter, p Page) ([]AuditEvent, int, error)
}
