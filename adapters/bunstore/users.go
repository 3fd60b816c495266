package bunstore

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

func userToRow(u *ports.User) userRow {
	return userRow{
		ID: u.ID, Username: u.Username, Email: u.Email, DisplayName: u.DisplayName,
		PasswordHash: u.PasswordHash, IsAdmin: u.IsAdmin, Disabled: u.Disabled,
		MustChangePassword: u.MustChangePassword, FailedLogins: u.FailedLogins,
		LockedUntil: toNanos(u.LockedUntil), CreatedAt: toNanos(u.CreatedAt), UpdatedAt: toNanos(u.UpdatedAt),
	}
}

func rowToUser(r *userRow) ports.User {
	return ports.User{
		ID: r.ID, Username: r.Username, Email: r.Email, DisplayName: r.DisplayName,
		PasswordHash: r.PasswordHash, IsAdmin: r.IsAdmin, Disabled: r.Disabled,
		MustChangePassword: r.MustChangePassword, FailedLogins: r.FailedLogins,
		LockedUntil: fromNanos(r.LockedUntil), CreatedAt: fromNanos(r.CreatedAt), UpdatedAt: fromNanos(r.UpdatedAt),
	}
}

// CreateUser inserts u and sets u.ID; a duplicate username is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u *ports.User) error {
	const op = "create user"
	if u.Username == "" {
		return wrap(op, ports.Invalidf("username", "must not be empty"))
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = s.clock.Now()
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	row := userToRow(u)
	row.ID = 0
	if _, err := s.db.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return wrap(op, err)
	}
	u.ID = row.ID
	u.CreatedAt, u.UpdatedAt, u.LockedUntil = normTime(u.CreatedAt), normTime(u.UpdatedAt), normTime(u.LockedUntil)
	return nil
}

// twoFactorColumn reads whether a user's two-factor sign-in is on with the user.
const twoFactorColumn = "EXISTS (SELECT 1 FROM user_totp AS ut WHERE ut.user_id = u.id AND ut.enabled) AS two_factor"

func getUser(ctx context.Context, db bun.IDB, column string, value any, lock func(*bun.SelectQuery) *bun.SelectQuery) (ports.User, error) {
	var row userRow
	q := db.NewSelect().Model(&row).Where("? = ?", bun.Ident(column), value)
	if lock != nil {
		q = lock(q)
	} else {
		// Whether two-factor sign-in is on, in the same statement: a sign-in
		// of a user without it needs no second read.
		q = q.ColumnExpr("u.*").ColumnExpr(twoFactorColumn)
	}
	if err := q.Scan(ctx); err != nil {
		return ports.User{}, err
	}
	u := rowToUser(&row)
	if lock == nil {
		u.TwoFactor = ports.TwoFactorOff
		if row.TwoFactor {
			u.TwoFactor = ports.TwoFactorOn
		}
	}
	return u, nil
}

// GetUser returns the user with id, or ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id int64) (ports.User, error) {
	u, err := getUser(ctx, s.db, "id", id, nil)
	return u, wrap(fmt.Sprintf("get user %d", id), err)
}

// GetUserByName returns the user called username, or ErrNotFound.
func (s *Store) GetUserByName(ctx context.Context, username string) (ports.User, error) {
	u, err := getUser(ctx, s.db, "username", username, nil)
	return u, wrap("get user "+username, err)
}

// ListUsers returns one page ordered by username and the total count.
func (s *Store) ListUsers(ctx context.Context, p ports.Page) ([]ports.User, int, error) {
	var rows []userRow
	total, err := s.db.NewSelect().Model(&rows).OrderExpr("username").
		Offset(int64(max(p.Offset, 0))).Limit(int64(clampLimit(p.Limit))).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, wrap("list users", err)
	}
	out := make([]ports.User, len(rows))
	for i := range rows {
		out[i] = rowToUser(&rows[i])
	}
	return out, int(total), nil
}

// UpdateUser loads the user, applies fn and saves it in one transaction.
// ID and CreatedAt are kept; UpdatedAt is set to now.
func (s *Store) UpdateUser(ctx context.Context, id int64, fn func(*ports.User) error) (ports.User, error) {
	var out ports.User
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		u, err := getUser(ctx, tx, "id", id, s.forUpdate)
		if err != nil {
			return err
		}
		orig := u
		if err := fn(&u); err != nil {
			return err
		}
		if u.Username == "" {
			return ports.Invalidf("username", "must not be empty")
		}
		u.ID, u.CreatedAt, u.UpdatedAt = orig.ID, orig.CreatedAt, s.clock.Now()
		row := userToRow(&u)
		if _, err := tx.NewUpdate().Model(&row).ExcludeColumn("id", "created_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		out = rowToUser(&row)
		return nil
	})
	if err != nil {
		return ports.User{}, wrap(fmt.Sprintf("update user %d", id), err)
	}
	return out, nil
}

// DeleteUser removes a user and its tokens, or returns ErrNotFound.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	op := fmt.Sprintf("delete user %d", id)
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*tokenRow)(nil)).Where("user_id = ?", id).Exec(ctx); err != nil {
			return wrap(op, err)
		}
		res, err := tx.NewDelete().Model((*userRow)(nil)).Where("id = ?", id).Exec(ctx)
		return mustAffect(op, "user", res, err)
	})
}
