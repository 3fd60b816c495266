package bunstore

import (
	"context"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.AuditLog = (*Store)(nil)

// AppendAudit stores e and sets e.ID.
func (s *Store) AppendAudit(ctx context.Context, e *ports.AuditEvent) error {
	if e.Action == "" {
		return wrap("append audit", ports.Invalidf("action", "must not be empty"))
	}
	if e.At.IsZero() {
		e.At = s.clock.Now()
	}
	row := auditRow{At: toNanos(e.At), ActorID: e.ActorID, Actor: e.Actor, Action: e.Action, Target: e.Target,
		Outcome: e.Outcome, IP: e.IP, Detail: e.Detail}
	if _, err := s.db.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return wrap("append audit", err)
	}
	e.ID, e.At = row.ID, normTime(e.At)
	return nil
}

// ListAudit returns one page of events, newest first, and the total matching.
func (s *Store) ListAudit(ctx context.Context, f ports.AuditFilter, p ports.Page) ([]ports.AuditEvent, int, error) {
	var rows []auditRow
	q := s.db.NewSelect().Model(&rows)
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
	}
	if prefix, ok := strings.CutSuffix(f.Action, "."); ok && prefix != "" {
		q = q.Where("action >= ? AND action < ?", prefix+".", prefixEnd(prefix+"."))
	} else if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.Target != "" {
		q = q.Where("target = ?", f.Target)
	}
	if !f.Since.IsZero() {
		q = q.Where("at >= ?", toNanos(f.Since))
	}
	if !f.Until.IsZero() {
		q = q.Where("at < ?", toNanos(f.Until))
	}
	total, err := q.OrderExpr("at DESC, id DESC").Offset(int64(max(p.Offset, 0))).Limit(int64(clampLimit(p.Limit))).
		ScanAndCount(ctx)
	if err != nil {
		return nil, 0, wrap("list audit", err)
	}
	out := make([]ports.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = ports.AuditEvent{ID: r.ID, At: fromNanos(r.At), ActorID: r.ActorID, Actor: r.Actor, Action: r.Action,
			Target: r.Target, Outcome: r.Outcome, IP: r.IP, Detail: r.Detail}
	}
	return out, int(total), nil
}
