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
	secret, _, err := s.open(row.Secret, totpContext(userID, "secret"))
	if err != nil {
		return auth.TwoFactor{}, wrap("get two-factor", err)
	}
	recovery, _, err := s.open(row.Recovery, totpContext(userID, "recovery"))
	if err != nil {
		return auth.TwoFactor{}, wrap("get two-factor", err)
	}
	var rec []string
	if err := json.Unmarshal(recovery, &rec); err != nil {
		return auth.TwoFactor{}, wrap("get two-factor", fmt.Errorf("recovery codes of user %d: %w", userID, err))
	}
	return auth.TwoFactor{UserID: row.UserID, Secret: string(secret), Enabled: row.Enabled, Recovery: rec,
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
	// The TOTP secret and the recovery codes are secrets: sealed at rest
	// (a value written before encryption at rest still opens, and is sealed
	// on its next write).
	secret, err := s.seal([]byte(t.Secret), totpContext(t.UserID, "secret"))
	if err != nil {
		return wrap("put two-factor", err)
	}
	recovery, err := s.seal(rec, totpContext(t.UserID, "recovery"))
	if err != nil {
		return wrap("put two-factor", err)
	}
	row := totpRow{UserID: t.UserID, Secret: secret, Enabled: t.Enabled, Recovery: recovery, LastStep: t.LastStep,
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

// totpContext names a sealed two-factor value, so it cannot be moved to
// another user or field.
func totpContext(userID int64, field string) string { return fmt.Sprintf("totp:%d:%s", userID, field) }

// resealTwoFactor seals every two-factor secret and recovery list that is
// plaintext or sealed with an older key; it returns how many rows changed.
func (s *Store) resealTwoFactor(ctx context.Context) (int, error) {
	var rows []totpRow
	if err := s.db.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rows {
		secret, cur1, err := s.open(r.Secret, totpContext(r.UserID, "secret"))
		if err != nil {
			return n, err
		}
		recovery, cur2, err := s.open(r.Recovery, totpContext(r.UserID, "recovery"))
		if err != nil {
			return n, err
		}
		if cur1 && cur2 {
			continue
		}
		sealedSecret, err := s.seal(secret, totpContext(r.UserID, "secret"))
		if err != nil {
			return n, err
		}
		sealedRecovery, err := s.seal(recovery, totpContext(r.UserID, "recovery"))
		if err != nil {
			return n, err
		}
		// Only if unchanged meanwhile (another replica resealing, a new enrolment).
		if _, err := s.db.NewUpdate().Model((*totpRow)(nil)).Set("secret = ?, recovery = ?", sealedSecret, sealedRecovery).
			Where("user_id = ? AND secret = ? AND recovery = ?", r.UserID, r.Secret, r.Recovery).Exec(ctx); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
