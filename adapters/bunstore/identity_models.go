package bunstore

import "github.com/uptrace/bun"

// Row models mirroring migrations/*/0002_identity.up.sql.

type groupRow struct {
	bun.BaseModel `bun:"table:user_groups,alias:g"`

	ID          int64  `bun:"id,pk,autoincrement"`
	Name        string `bun:"name,notnull"`
	Description string `bun:"description,notnull"`
	CreatedAt   int64  `bun:"created_at,nullzero"`
}

type groupMemberRow struct {
	bun.BaseModel `bun:"table:group_members,alias:gm"`

	GroupID int64 `bun:"group_id,pk"`
	UserID  int64 `bun:"user_id,pk"`
}

type sessionRow struct {
	bun.BaseModel `bun:"table:refresh_sessions,alias:rs"`

	ID        string `bun:"id,pk"`
	Family    string `bun:"family,notnull"`
	UserID    int64  `bun:"user_id,notnull"`
	ExpiresAt int64  `bun:"expires_at,nullzero"`
	UsedAt    int64  `bun:"used_at,nullzero"`
	RevokedAt int64  `bun:"revoked_at,nullzero"`
	CreatedAt int64  `bun:"created_at,nullzero"`
}

type auditRow struct {
	bun.BaseModel `bun:"table:audit_events,alias:ae"`

	ID      int64  `bun:"id,pk,autoincrement"`
	At      int64  `bun:"at,notnull"`
	ActorID int64  `bun:"actor_id,notnull"`
	Actor   string `bun:"actor,notnull"`
	Action  string `bun:"action,notnull"`
	Target  string `bun:"target,notnull"`
	Outcome string `bun:"outcome,notnull"`
	IP      string `bun:"ip,notnull"`
	Detail  string `bun:"detail,notnull"`
}
