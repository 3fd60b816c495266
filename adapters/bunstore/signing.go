package bunstore

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.SigningKeyStore = (*Store)(nil)

type signingKeyRow struct {
	bun.BaseModel `bun:"table:signing_keys,alias:sk"`

	ID            string `bun:"id,pk"`
	Name          string `bun:"name,notnull"`
	Algorithm     string `bun:"algorithm,notnull"`
	Fingerprint   string `bun:"fingerprint,notnull"`
	UserID        string `bun:"user_id,notnull"`
	Status        string `bun:"status,notnull"`
	PublicKey     string `bun:"public_key,notnull"`
	SealedPrivate string `bun:"sealed_private,notnull"`
	ReplacedBy    string `bun:"replaced_by,notnull"`
	CreatedBy     string `bun:"created_by,notnull"`
	CreatedAt     int64  `bun:"created_at,notnull"`
	UpdatedAt     int64  `bun:"updated_at,notnull"`
}

type repoSigningRow struct {
	bun.BaseModel `bun:"table:repository_signing,alias:rs"`

	RepoKey string `bun:"repo_key,pk"`
	KeyID   string `bun:"key_id,notnull"`
}

func rowToSigningKey(r *signingKeyRow) ports.SigningKey {
	return ports.SigningKey{ID: r.ID, Name: r.Name, Algorithm: r.Algorithm, Fingerprint: r.Fingerprint, UserID: r.UserID,
		Status: r.Status, PublicKey: []byte(r.PublicKey), SealedPrivate: r.SealedPrivate, ReplacedBy: r.ReplacedBy,
		CreatedBy: r.CreatedBy, CreatedAt: fromNanos(r.CreatedAt), UpdatedAt: fromNanos(r.UpdatedAt)}
}

// SaveSigningKey inserts or replaces the key with k.ID (its id, name,
// fingerprint and creation stay as first saved).
func (s *Store) SaveSigningKey(ctx context.Context, k *ports.SigningKey) error {
	const op = "save signing key"
	if k.ID == "" {
		return wrap(op, ports.Invalidf("id", "must not be empty"))
	}
	now := s.clock.Now()
	if k.CreatedAt.IsZero() {
		k.CreatedAt = now
	}
	if k.UpdatedAt.IsZero() {
		k.UpdatedAt = now
	}
	row := signingKeyRow{ID: k.ID, Name: k.Name, Algorithm: k.Algorithm, Fingerprint: k.Fingerprint, UserID: k.UserID,
		Status: k.Status, PublicKey: string(k.PublicKey), SealedPrivate: k.SealedPrivate, ReplacedBy: k.ReplacedBy,
		CreatedBy: k.CreatedBy, CreatedAt: toNanos(k.CreatedAt), UpdatedAt: toNanos(k.UpdatedAt)}
	_, err := s.db.NewInsert().Model(&row).
		On("CONFLICT (id) DO UPDATE").
		Set("status = EXCLUDED.status").
		Set("replaced_by = EXCLUDED.replaced_by").
		Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	return wrap(op, err)
}

// GetSigningKey returns the key with id, or ErrNotFound.
func (s *Store) GetSigningKey(ctx context.Context, id string) (ports.SigningKey, error) {
	var row signingKeyRow
	if err := s.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return ports.SigningKey{}, wrap("get signing key", err)
	}
	return rowToSigningKey(&row), nil
}

// ListSigningKeys returns every key, oldest first.
func (s *Store) ListSigningKeys(ctx context.Context) ([]ports.SigningKey, error) {
	var rows []signingKeyRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("created_at, id").Scan(ctx); err != nil {
		return nil, wrap("list signing keys", err)
	}
	out := make([]ports.SigningKey, len(rows))
	for i := range rows {
		out[i] = rowToSigningKey(&rows[i])
	}
	return out, nil
}

// DeleteSigningKey removes the key and the repositories' use of it, or
// returns ErrNotFound.
func (s *Store) DeleteSigningKey(ctx context.Context, id string) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*repoSigningRow)(nil)).Where("key_id = ?", id).Exec(ctx); err != nil {
			return wrap("delete signing key", err)
		}
		res, err := tx.NewDelete().Model((*signingKeyRow)(nil)).Where("id = ?", id).Exec(ctx)
		return mustAffect("delete signing key", "signing key", res, err)
	})
}

// SetRepoSigningKey makes key id sign repo; "" removes the configuration.
// An unknown key is ErrNotFound.
func (s *Store) SetRepoSigningKey(ctx context.Context, repo, id string) error {
	const op = "set repository signing key"
	if id == "" {
		_, err := s.db.NewDelete().Model((*repoSigningRow)(nil)).Where("repo_key = ?", repo).Exec(ctx)
		return wrap(op, err)
	}
	if n, err := s.db.NewSelect().Model((*signingKeyRow)(nil)).Where("id = ?", id).Count(ctx); err != nil || n == 0 {
		if err == nil {
			err = ports.ErrNotFound
		}
		return wrap(op, err)
	}
	row := repoSigningRow{RepoKey: repo, KeyID: id}
	_, err := s.db.NewInsert().Model(&row).On("CONFLICT (repo_key) DO UPDATE").Set("key_id = EXCLUDED.key_id").Exec(ctx)
	return wrap(op, err)
}

// RepoSigningKey returns the key id of repo, or ErrNotFound.
func (s *Store) RepoSigningKey(ctx context.Context, repo string) (string, error) {
	var row repoSigningRow
	if err := s.db.NewSelect().Model(&row).Where("repo_key = ?", repo).Scan(ctx); err != nil {
		return "", wrap("get repository signing key", err)
	}
	return row.KeyID, nil
}

// ReplaceRepoSigningKey moves every repository from key old to key new
// ("" removes their configuration) and returns how many moved.
func (s *Store) ReplaceRepoSigningKey(ctx context.Context, old, new string) (int, error) {
	const op = "replace repository signing key"
	var res interface{ RowsAffected() (int64, error) }
	var err error
	if new == "" {
		res, err = s.db.NewDelete().Model((*repoSigningRow)(nil)).Where("key_id = ?", old).Exec(ctx)
	} else {
		res, err = s.db.NewUpdate().Model((*repoSigningRow)(nil)).Set("key_id = ?", new).Where("key_id = ?", old).Exec(ctx)
	}
	if err != nil {
		return 0, wrap(op, err)
	}
	n, err := res.RowsAffected()
	return int(n), wrap(op, err)
}
