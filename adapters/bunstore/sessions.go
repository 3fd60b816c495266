package bunstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.SessionStore = (*Store)(nil)

func rowToSession(r *sessionRow) ports.RefreshSession {
	return ports.RefreshSession{ID: r.ID, Family: r.Family, UserID: r.UserID, ExpiresAt: fromNanos(r.ExpiresAt),
		UsedAt: fromNanos(r.UsedAt), RevokedAt: fromNanos(r.RevokedAt), CreatedAt: fromNanos(r.CreatedAt)}
}

// CreateSession inserts a refresh session.
func (s *Store) CreateSession(ctx context.Context, rs ports.RefreshSession) error {
	const op = "create session"
	if rs.ID == "" || rs.Family == "" {
		return wrap(op, ports.Invalidf("id", "id and family must not be empty"))
	}
	if rs.CreatedAt.IsZero() {
		rs.CreatedAt = s.clock.Now()
	}
	row := sessionRow{ID: rs.ID, Family: rs.Family, UserID: rs.UserID, ExpiresAt: toNanos(rs.ExpiresAt),
		UsedAt: toNanos(rs.UsedAt), RevokedAt: toNanos(rs.RevokedAt), CreatedAt: toNanos(rs.CreatedAt)}
	_, err := s.db.NewInsert().Model(&row).Exec(ctx)
	return wrap(op, err)
}

// UseSession marks a session used with a conditional UPDATE (only one of
// several concurrent callers wins); the losers and later callers get
// ErrConflict together with the stored session.
func (s *Store) UseSession(ctx context.Context, id string, at time.Time) (ports.RefreshSession, error) {
	op := "use session"
	var out ports.RefreshSession
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row sessionRow
		if err := s.forUpdate(tx.NewSelect().Model(&row).Where("id = ?", id)).Scan(ctx); err != nil {
			return err
		}
		out = rowToSession(&row)
		res, err := tx.NewUpdate().Model((*sessionRow)(nil)).Set("used_at = ?", toNanos(at)).
			Where("id = ?", id).Where("used_at IS NULL").Where("revoked_at IS NULL").Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, ports.ErrConflict)
		}
		return nil
	})
	return out, wrap(op, err)
}

// FamilyRevoked reports whether every session of a family is revoked (or there is none).
func (s *Store) FamilyRevoked(ctx context.Context, family string) (bool, error) {
	n, err := s.db.NewSelect().Model((*sessionRow)(nil)).Where("family = ?", family).Where("revoked_at IS NULL").Count(ctx)
	if err != nil {
		return true, wrap("family revoked", err)
	}
	return n == 0, nil
}

// RevokeFamily revokes every session of a family.
func (s *Store) RevokeFamily(ctx context.Context, family string, at time.Time) error {
	_, err := s.db.NewUpdate().Model((*sessionRow)(nil)).Set("revoked_at = ?", toNanos(at)).
		Where("family = ?", family).Where("revoked_at IS NULL").Exec(ctx)
	return wrap("revoke family", err)
}

// RevokeUserSessions revokes every session of a user.
func (s *Store) RevokeUserSessions(ctx context.Context, userID int64, at time.Time) (int, error) {
	op := fmt.Sprintf("revoke sessions of user %d", userID)
	var families []string
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model((*sessionRow)(nil)).ColumnExpr("DISTINCT family").
			Where("user_id = ?", userID).Where("revoked_at IS NULL").Scan(ctx, &families); err != nil {
			return err
		}
		_, err := tx.NewUpdate().Model((*sessionRow)(nil)).Set("revoked_at = ?", toNanos(at)).
			Where("user_id = ?", userID).Where("revoked_at IS NULL").Exec(ctx)
		return err
	})
	return len(families), wrap(op, err)
}
