package bunstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/core/auth"
)

// Row model mirroring migrations/*/0005_credentials.up.sql.
type totpRow struct {
	bun.BaseModel `bun:"table:user_totp,alias:ut"`

	UserID    int64  `bun:"user_id,pk"`
	Secret    string `bun:"secret,notnull"`
	Enabled   bool   `bun:"enabled,notnull"`
	Recovery  string `bun:"recovery,notnull"`
	LastStep  int64  `bun:"last_step,notnull"`
	CreatedAt int64  `bun:"created_at,notnull"`
}

var _ auth.TwoFactorStore = (*Store)(nil)

// GetTwoFactor returns a user's enrolment, or ErrNotFound.
func (s *Store) GetTwoFactor(ctx context.Context, userID int64) (auth.TwoFactor, error) {
	var row totpRow
	if err := s.db.NewSelect().Model(&row).Where("user_id = ?", userID).Scan(ctx); err != nil {
		return auth.TwoFactor{}, wrap("get two-factor", err)
	}
	var rec []string
	if err := json.Unmarshal([]byte(row.Recovery), &rec); err != nil {
		return auth.TwoFactor{}, wrap("get two-factor", fmt.Errorf("recovery codes of user %d: %w", userID, err))
	}
	return auth.TwoFactor{UserID: row.UserID, Secret: row.Secret, Enabled: row.Enabled, Recovery: rec,
		LastStep: row.LastStep, CreatedAt: fromNanos(row.CreatedAt)}, nil
}

// PutTwoFactor inserts or replaces a user's enrolment.
func (s *Store) PutTwoFactor(ctx context.Context, t auth.TwoFactor) error {
	rec, err := json.Marshal(t.Recovery)
	if err != nil {
		return wrap("put two-factor", err)
	}
	if t.Recovery == nil {
		rec = []byte("[]")
	}
	row := totpRow{UserID: t.UserID, Secret: t.Secret, Enabled: t.Enabled, Recovery: string(rec), LastStep: t.LastStep,
		CreatedAt: toNanos(t.CreatedAt)}
	_, err = s.db.NewInsert().Model(&row).
		On("CONFLICT (user_id) DO UPDATE").
		Set("secret = EXCLUDED.secret, enabled = EXCLUDED.enabled, recovery = EXCLUDED.recovery, last_step = EXCLUDED.last_step, created_at = EXCLUDED.created_at").
		Exec(ctx)
	return wrap("put two-factor", err)
}

// DeleteTwoFactor removes a user's enrolment (none is fine).
func (s *Store) DeleteTwoFactor(ctx context.Context, userID int64) error {
	_, err := s.db.NewDelete().Model((*totpRow)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return wrap("delete two-factor", err)
}
