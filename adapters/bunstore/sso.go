package bunstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.SSOStore = (*Store)(nil)

// Row models for migrations/*/0003_sso.up.sql.

type ssoProviderRow struct {
	bun.BaseModel `bun:"table:sso_providers,alias:sp"`

	ID          int64  `bun:"id,pk,autoincrement"`
	Kind        string `bun:"kind,notnull"`
	Name        string `bun:"name,notnull"`
	DisplayName string `bun:"display_name,notnull"`
	Enabled     bool   `bun:"enabled,notnull"`
	Config      string `bun:"config,notnull"`
	CreatedAt   int64  `bun:"created_at,nullzero"`
	UpdatedAt   int64  `bun:"updated_at,nullzero"`
}

type ssoIdentityRow struct {
	bun.BaseModel `bun:"table:sso_identities,alias:si"`

	ProviderID  int64  `bun:"provider_id,pk"`
	Subject     string `bun:"subject,pk"`
	UserID      int64  `bun:"user_id,notnull"`
	Groups      string `bun:"groups,notnull"`
	LastLoginAt int64  `bun:"last_login_at,nullzero"`
}

// ssoContext binds a sealed provider configuration to its row.
func ssoContext(kind, name string) string { return "sso:" + kind + "/" + name }

// ssoProviderToRow builds the row; the configuration (client secrets, bind
// passwords, SAML keys) is sealed when the store has a Sealer.
func (s *Store) ssoProviderToRow(p *ports.SSOProvider) (ssoProviderRow, error) {
	cfg := p.Config
	if len(cfg) == 0 {
		cfg = []byte("{}")
	}
	sealed, err := s.seal(cfg, ssoContext(p.Kind, p.Name))
	if err != nil {
		return ssoProviderRow{}, err
	}
	return ssoProviderRow{ID: p.ID, Kind: p.Kind, Name: p.Name, DisplayName: p.DisplayName, Enabled: p.Enabled,
		Config: sealed, CreatedAt: toNanos(p.CreatedAt), UpdatedAt: toNanos(p.UpdatedAt)}, nil
}

func (s *Store) rowToSSOProvider(r *ssoProviderRow) (ports.SSOProvider, error) {
	cfg, _, err := s.open(r.Config, ssoContext(r.Kind, r.Name))
	if err != nil {
		return ports.SSOProvider{}, err
	}
	return ports.SSOProvider{ID: r.ID, Kind: r.Kind, Name: r.Name, DisplayName: r.DisplayName, Enabled: r.Enabled,
		Config: cfg, CreatedAt: fromNanos(r.CreatedAt), UpdatedAt: fromNanos(r.UpdatedAt)}, nil
}

// CreateSSOProvider inserts p and sets p.ID; a duplicate kind+name is ErrConflict.
func (s *Store) CreateSSOProvider(ctx context.Context, p *ports.SSOProvider) error {
	const op = "create sso provider"
	if p.Kind == "" || p.Name == "" {
		return wrap(op, ports.Invalidf("name", "kind and name must not be empty"))
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.clock.Now()
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = p.CreatedAt
	}
	row, err := s.ssoProviderToRow(p)
	if err != nil {
		return wrap(op, err)
	}
	row.ID = 0
	if _, err := s.db.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return wrap(op, err)
	}
	p.ID = row.ID
	p.CreatedAt, p.UpdatedAt = normTime(p.CreatedAt), normTime(p.UpdatedAt)
	return nil
}

func getSSOProvider(ctx context.Context, db bun.IDB, kind, name string, lock func(*bun.SelectQuery) *bun.SelectQuery) (ssoProviderRow, error) {
	var row ssoProviderRow
	q := db.NewSelect().Model(&row).Where("kind = ? AND name = ?", kind, name)
	if lock != nil {
		q = lock(q)
	}
	return row, q.Scan(ctx)
}

// GetSSOProvider returns the provider kind/name, or ErrNotFound.
func (s *Store) GetSSOProvider(ctx context.Context, kind, name string) (ports.SSOProvider, error) {
	row, err := getSSOProvider(ctx, s.db, kind, name, nil)
	if err != nil {
		return ports.SSOProvider{}, wrap("get sso provider "+kind+"/"+name, err)
	}
	p, err := s.rowToSSOProvider(&row)
	return p, wrap("get sso provider "+kind+"/"+name, err)
}

// ListSSOProviders returns every provider ordered by kind and name.
func (s *Store) ListSSOProviders(ctx context.Context) ([]ports.SSOProvider, error) {
	var rows []ssoProviderRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("kind, name").Scan(ctx); err != nil {
		return nil, wrap("list sso providers", err)
	}
	out := make([]ports.SSOProvider, len(rows))
	for i := range rows {
		p, err := s.rowToSSOProvider(&rows[i])
		if err != nil {
			return nil, wrap("list sso providers", err)
		}
		out[i] = p
	}
	return out, nil
}

// UpdateSSOProvider loads the provider, applies fn and saves it in one
// transaction; ID, Kind, Name and CreatedAt are kept, UpdatedAt is now.
func (s *Store) UpdateSSOProvider(ctx context.Context, kind, name string, fn func(*ports.SSOProvider) error) (ports.SSOProvider, error) {
	var out ports.SSOProvider
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row, err := getSSOProvider(ctx, tx, kind, name, s.forUpdate)
		if err != nil {
			return err
		}
		p, err := s.rowToSSOProvider(&row)
		if err != nil {
			return err
		}
		orig := p
		if err := fn(&p); err != nil {
			return err
		}
		p.ID, p.Kind, p.Name, p.CreatedAt, p.UpdatedAt = orig.ID, orig.Kind, orig.Name, orig.CreatedAt, s.clock.Now()
		nr, err := s.ssoProviderToRow(&p)
		if err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model(&nr).ExcludeColumn("id", "kind", "name", "created_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		out, err = s.rowToSSOProvider(&nr)
		return err
	})
	if err != nil {
		return ports.SSOProvider{}, wrap("update sso provider "+kind+"/"+name, err)
	}
	return out, nil
}

// DeleteSSOProvider removes a provider and its identity links, or returns ErrNotFound.
func (s *Store) DeleteSSOProvider(ctx context.Context, kind, name string) error {
	op := "delete sso provider " + kind + "/" + name
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row, err := getSSOProvider(ctx, tx, kind, name, s.forUpdate)
		if err != nil {
			return wrap(op, err)
		}
		if _, err := tx.NewDelete().Model((*ssoIdentityRow)(nil)).Where("provider_id = ?", row.ID).Exec(ctx); err != nil {
			return wrap(op, err)
		}
		res, err := tx.NewDelete().Model((*ssoProviderRow)(nil)).Where("id = ?", row.ID).Exec(ctx)
		return mustAffect(op, "sso provider", res, err)
	})
}

func rowToIdentity(r *ssoIdentityRow) ports.ExternalIdentity {
	id := ports.ExternalIdentity{ProviderID: r.ProviderID, Subject: r.Subject, UserID: r.UserID, LastLoginAt: fromNanos(r.LastLoginAt)}
	if err := json.Unmarshal([]byte(r.Groups), &id.Groups); err != nil || id.Groups == nil {
		id.Groups = []string{}
	}
	return id
}

// GetExternalIdentity returns the link for subject at providerID, or ErrNotFound.
func (s *Store) GetExternalIdentity(ctx context.Context, providerID int64, subject string) (ports.ExternalIdentity, error) {
	var row ssoIdentityRow
	err := s.db.NewSelect().Model(&row).Where("provider_id = ? AND subject = ?", providerID, subject).Scan(ctx)
	if err != nil {
		return ports.ExternalIdentity{}, wrap(fmt.Sprintf("get external identity %d", providerID), err)
	}
	return rowToIdentity(&row), nil
}

// PutExternalIdentity inserts or replaces the link for (ProviderID, Subject).
func (s *Store) PutExternalIdentity(ctx context.Context, id ports.ExternalIdentity) error {
	const op = "put external identity"
	if id.Subject == "" {
		return wrap(op, ports.Invalidf("subject", "must not be empty"))
	}
	groups := id.Groups
	if groups == nil {
		groups = []string{}
	}
	g, err := json.Marshal(groups)
	if err != nil {
		return wrap(op, err)
	}
	row := ssoIdentityRow{ProviderID: id.ProviderID, Subject: id.Subject, UserID: id.UserID, Groups: string(g),
		LastLoginAt: toNanos(id.LastLoginAt)}
	_, err = s.db.NewInsert().Model(&row).
		On("CONFLICT (provider_id, subject) DO UPDATE").
		Set("user_id = EXCLUDED.user_id, groups = EXCLUDED.groups, last_login_at = EXCLUDED.last_login_at").
		Exec(ctx)
	return wrap(op, err)
}

// ListExternalIdentities returns the links of one user, by provider and subject.
func (s *Store) ListExternalIdentities(ctx context.Context, userID int64) ([]ports.ExternalIdentity, error) {
	var rows []ssoIdentityRow
	if err := s.db.NewSelect().Model(&rows).Where("user_id = ?", userID).OrderExpr("provider_id, subject").Scan(ctx); err != nil {
		return nil, wrap("list external identities", err)
	}
	out := make([]ports.ExternalIdentity, len(rows))
	for i := range rows {
		out[i] = rowToIdentity(&rows[i])
	}
	return out, nil
}
