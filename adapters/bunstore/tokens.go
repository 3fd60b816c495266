package bunstore

import (
	"context"
	"fmt"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

func rowToToken(r *tokenRow) (ports.APIToken, error) {
	scopes, err := decodeList(r.Scopes)
	if err != nil {
		return ports.APIToken{}, fmt.Errorf("token %d scopes: %w", r.ID, err)
	}
	repos, err := decodeList(r.Repos)
	if err != nil {
		return ports.APIToken{}, fmt.Errorf("token %d repos: %w", r.ID, err)
	}
	return ports.APIToken{
		ID: r.ID, UserID: r.UserID, Name: r.Name, Prefix: r.Prefix, Hash: r.Hash,
		Scopes: scopes, Repos: repos, Parent: r.Parent,
		ExpiresAt: fromNanos(r.ExpiresAt), LastUsedAt: fromNanos(r.LastUsedAt),
		RevokedAt: fromNanos(r.RevokedAt), CreatedAt: fromNanos(r.CreatedAt),
	}, nil
}

// CreateToken inserts t and sets t.ID; a duplicate prefix is ErrConflict and
// an unknown user ErrNotFound. Nil Scopes/Repos stay nil (no restriction).
func (s *Store) CreateToken(ctx context.Context, t *ports.APIToken) error {
	const op = "create token"
	if t.Prefix == "" || t.Hash == "" {
		return wrap(op, ports.Invalidf("prefix", "prefix and hash must not be empty"))
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.clock.Now()
	}
	row := tokenRow{
		UserID: t.UserID, Name: t.Name, Prefix: t.Prefix, Hash: t.Hash,
		Scopes: encodeList(t.Scopes), Repos: encodeList(t.Repos), Parent: t.Parent,
		ExpiresAt: toNanos(t.ExpiresAt), LastUsedAt: toNanos(t.LastUsedAt),
		RevokedAt: toNanos(t.RevokedAt), CreatedAt: toNanos(t.CreatedAt),
	}
	if _, err := s.db.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return wrap(op, err)
	}
	t.ID = row.ID
	t.CreatedAt = normTime(t.CreatedAt)
	return nil
}

// GetTokenByPrefix returns the token with prefix, or ErrNotFound.
func (s *Store) GetTokenByPrefix(ctx context.Context, prefix string) (ports.APIToken, error) {
	var row tokenRow
	if err := s.db.NewSelect().Model(&row).Where("prefix = ?", prefix).Scan(ctx); err != nil {
		return ports.APIToken{}, wrap("get token by prefix", err)
	}
	t, err := rowToToken(&row)
	return t, wrap("get token by prefix", err)
}

// ListTokens returns the tokens of a user, oldest first.
func (s *Store) ListTokens(ctx context.Context, userID int64) ([]ports.APIToken, error) {
	var rows []tokenRow
	if err := s.db.NewSelect().Model(&rows).Where("user_id = ?", userID).OrderExpr("id").Scan(ctx); err != nil {
		return nil, wrap("list tokens", err)
	}
	out := make([]ports.APIToken, 0, len(rows))
	for i := range rows {
		t, err := rowToToken(&rows[i])
		if err != nil {
			return nil, wrap("list tokens", err)
		}
		out = append(out, t)
	}
	return out, nil
}

// RevokeToken marks token id of userID revoked at the given time; a token
// that does not exist or belongs to someone else is ErrNotFound.
func (s *Store) RevokeToken(ctx context.Context, userID, id int64, at time.Time) error {
	res, err := s.db.NewUpdate().Model((*tokenRow)(nil)).
		Set("revoked_at = ?", toNanos(at)).
		Where("id = ?", id).Where("user_id = ?", userID).
		Exec(ctx)
	return mustAffect(fmt.Sprintf("revoke token %d", id), "token", res, err)
}

// TouchToken records the last use of a token.
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	res, err := s.db.NewUpdate().Model((*tokenRow)(nil)).
		Set("last_used_at = ?", toNanos(at)).
		Where("id = ?", id).
		Exec(ctx)
	return mustAffect(fmt.Sprintf("touch token %d", id), "token", res, err)
}
