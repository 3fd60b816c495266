package bunstore

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.CurationStore = (*Store)(nil)

type curationRulesRow struct {
	bun.BaseModel `bun:"table:curation_rules,alias:cr"`

	RepositoryID int64  `bun:"repository_id,pk"`
	Rules        []byte `bun:"rules"`
	UpdatedAt    int64  `bun:"updated_at"`
}

type curationMaliciousRow struct {
	bun.BaseModel `bun:"table:curation_malicious,alias:cm"`

	ID       int64  `bun:"id,pk,autoincrement"`
	Name     string `bun:"name"`
	Versions string `bun:"versions"`
	Reason   string `bun:"reason"`
	Source   string `bun:"source"`
	AddedBy  string `bun:"added_by"`
	AddedAt  int64  `bun:"added_at"`
}

type curationBlockRow struct {
	bun.BaseModel `bun:"table:curation_blocks,alias:cb"`

	ID           int64  `bun:"id,pk,autoincrement"`
	RepositoryID int64  `bun:"repository_id"`
	Repository   string `bun:"repository"`
	Path         string `bun:"path"`
	Package      string `bun:"package"`
	Version      string `bun:"version"`
	Rule         string `bun:"rule"`
	Reason       string `bun:"reason"`
	At           int64  `bun:"at"`
}

// CurationRules returns a stored rule set or an empty one.
func (s *Store) CurationRules(ctx context.Context, repositoryID int64) (ports.CurationRules, error) {
	var row curationRulesRow
	err := s.db.NewSelect().Model(&row).Where("repository_id = ?", repositoryID).Scan(ctx)
	r := ports.CurationRules{}
	if isNoRows(err) {
		r.RepositoryID = repositoryID
		return normalRules(r), nil
	}
	if err != nil {
		return r, wrap("curation rules", err)
	}
	_ = json.Unmarshal(row.Rules, &r) // written by PutCurationRules only
	r.RepositoryID, r.UpdatedAt = row.RepositoryID, fromNanos(row.UpdatedAt)
	return normalRules(r), nil
}

func normalRules(r ports.CurationRules) ports.CurationRules {
	for _, l := range []*[]string{&r.Block, &r.Allow, &r.DenyLicenses} {
		if *l == nil {
			*l = []string{}
		}
	}
	return r
}

// PutCurationRules upserts a rule set.
func (s *Store) PutCurationRules(ctx context.Context, r ports.CurationRules) error {
	r.UpdatedAt = s.clock.Now()
	b, err := json.Marshal(r)
	if err != nil {
		return wrap("put curation rules", err)
	}
	row := curationRulesRow{RepositoryID: r.RepositoryID, Rules: b, UpdatedAt: toNanos(r.UpdatedAt)}
	_, err = s.db.NewInsert().Model(&row).On("CONFLICT (repository_id) DO UPDATE").
		Set("rules = EXCLUDED.rules").Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
	return wrap("put curation rules", err)
}

// PutMalicious upserts entries by name.
func (s *Store) PutMalicious(ctx context.Context, entries []ports.MaliciousPackage) error {
	const op = "put malicious packages"
	now := s.clock.Now()
	return wrap(op, s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for i := range entries {
			e := &entries[i]
			e.AddedAt = now
			row := curationMaliciousRow{Name: e.Name, Versions: strings.Join(e.Versions, "\n"), Reason: e.Reason,
				Source: e.Source, AddedBy: e.AddedBy, AddedAt: toNanos(now)}
			_, err := tx.NewInsert().Model(&row).On("CONFLICT (name) DO UPDATE").
				Set("versions = EXCLUDED.versions").Set("reason = EXCLUDED.reason").Set("source = EXCLUDED.source").
				Set("added_by = EXCLUDED.added_by").Set("added_at = EXCLUDED.added_at").Exec(ctx)
			if err != nil {
				return err
			}
			var got curationMaliciousRow
			if err := tx.NewSelect().Model(&got).Column("id").Where("name = ?", e.Name).Scan(ctx); err != nil {
				return err
			}
			e.ID = got.ID
		}
		return nil
	}))
}

// MaliciousList lists the entries by name.
func (s *Store) MaliciousList(ctx context.Context, limit int) ([]ports.MaliciousPackage, error) {
	var rows []curationMaliciousRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("name").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, wrap("malicious packages", err)
	}
	out := make([]ports.MaliciousPackage, 0, len(rows))
	for _, r := range rows {
		vs := []string{}
		if r.Versions != "" {
			vs = strings.Split(r.Versions, "\n")
		}
		out = append(out, ports.MaliciousPackage{ID: r.ID, Name: r.Name, Versions: vs, Reason: r.Reason,
			Source: r.Source, AddedBy: r.AddedBy, AddedAt: fromNanos(r.AddedAt)})
	}
	return out, nil
}

// DeleteMalicious removes an entry.
func (s *Store) DeleteMalicious(ctx context.Context, id int64) error {
	res, err := s.db.NewDelete().Model((*curationMaliciousRow)(nil)).Where("id = ?", id).Exec(ctx)
	return mustAffect("delete malicious package", "malicious package", res, err)
}

// AddCurationBlock records a refused fetch.
func (s *Store) AddCurationBlock(ctx context.Context, b *ports.CurationBlock) error {
	row := curationBlockRow{RepositoryID: b.RepositoryID, Repository: b.Repository, Path: b.Path, Package: b.Package,
		Version: b.Version, Rule: b.Rule, Reason: b.Reason, At: toNanos(b.At)}
	if _, err := s.db.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return wrap("add curation block", err)
	}
	b.ID = row.ID
	return nil
}

// CurationBlocks lists blocks newest first.
func (s *Store) CurationBlocks(ctx context.Context, repositoryID, beforeID int64, limit int) ([]ports.CurationBlock, error) {
	var rows []curationBlockRow
	q := s.db.NewSelect().Model(&rows).OrderExpr("id DESC").Limit(int64(limit))
	if repositoryID != 0 {
		q = q.Where("repository_id = ?", repositoryID)
	}
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, wrap("curation blocks", err)
	}
	out := make([]ports.CurationBlock, 0, len(rows))
	for _, r := range rows {
		out = append(out, ports.CurationBlock{ID: r.ID, RepositoryID: r.RepositoryID, Repository: r.Repository, Path: r.Path,
			Package: r.Package, Version: r.Version, Rule: r.Rule, Reason: r.Reason, At: fromNanos(r.At)})
	}
	return out, nil
}
