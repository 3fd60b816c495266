package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"sort"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.PropertyStore = (*Store)(nil)

// propertyOwner names the table and owner column of one entity's properties.
type propertyOwner struct {
	table  string
	column string
	id     int64
}

func (o propertyOwner) load(ctx context.Context, db bun.IDB) (ports.Properties, error) {
	rows, err := db.QueryContext(ctx, "SELECT key, value FROM "+o.table+" WHERE "+o.column+" = ? ORDER BY key, value", o.id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := ports.Properties{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = append(out[k], v)
	}
	return out, rows.Err()
}

func (o propertyOwner) change(ctx context.Context, tx bun.Tx, ch ports.PropertyChange) (ports.Properties, error) {
	drop := append([]string(nil), ch.Remove...)
	for k := range ch.Set {
		drop = append(drop, k)
	}
	if len(drop) > 0 {
		if _, err := tx.NewDelete().Table(o.table).Where(o.column+" = ?", o.id).Where("key IN (?)", bun.List(drop)).Exec(ctx); err != nil {
			return nil, err
		}
	}
	keys := make([]string, 0, len(ch.Set))
	for k := range ch.Set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range ch.Set[k] {
			if _, err := tx.ExecContext(ctx, "INSERT INTO "+o.table+" ("+o.column+", key, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", o.id, k, v); err != nil {
				return nil, err
			}
		}
	}
	out, err := o.load(ctx, tx)
	if err != nil {
		return nil, err
	}
	if len(out) > ports.PropertyMaxKeys {
		return nil, ports.Invalidf("properties", "at most %d keys", ports.PropertyMaxKeys)
	}
	n := 0
	for _, vs := range out {
		n += len(vs)
	}
	if n > ports.PropertyMaxValues {
		return nil, ports.Invalidf("properties", "at most %d values in all", ports.PropertyMaxValues)
	}
	return out, nil
}

// fileID returns the id of the file at path, locking its row on PostgreSQL
// so that concurrent changes of one artifact's properties serialise.
func (s *Store) fileID(ctx context.Context, db bun.IDB, repoID int64, path string, lock bool) (int64, error) {
	var id int64
	q := db.NewSelect().Model((*fileRow)(nil)).Column("id").Where("repository_id = ?", repoID).Where("path = ?", path)
	if lock {
		q = s.forUpdate(q)
	}
	err := q.Scan(ctx, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("properties", "artifact")
	}
	return id, err
}

// ArtifactProperties returns the properties of the file at path.
func (s *Store) ArtifactProperties(ctx context.Context, repoID int64, path string) (ports.Properties, error) {
	const op = "artifact properties"
	id, err := s.fileID(ctx, s.db, repoID, path, false)
	if err != nil {
		return nil, wrap(op, err)
	}
	p, err := propertyOwner{"artifact_properties", "file_id", id}.load(ctx, s.db)
	return p, wrap(op, err)
}

// ChangeArtifactProperties applies ch to the file at path in one transaction.
func (s *Store) ChangeArtifactProperties(ctx context.Context, repoID int64, path string, ch ports.PropertyChange) (ports.Properties, error) {
	const op = "change artifact properties"
	var out ports.Properties
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		id, err := s.fileID(ctx, tx, repoID, path, true)
		if err != nil {
			return err
		}
		out, err = propertyOwner{"artifact_properties", "file_id", id}.change(ctx, tx, ch)
		return err
	})
	return out, wrap(op, err)
}

// RepositoryProperties returns the repository's properties.
func (s *Store) RepositoryProperties(ctx context.Context, repoID int64) (ports.Properties, error) {
	p, err := propertyOwner{"repository_properties", "repository_id", repoID}.load(ctx, s.db)
	return p, wrap("repository properties", err)
}

// ChangeRepositoryProperties applies ch to the repository in one transaction.
func (s *Store) ChangeRepositoryProperties(ctx context.Context, repoID int64, ch ports.PropertyChange) (ports.Properties, error) {
	const op = "change repository properties"
	var out ports.Properties
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*repositoryRow)(nil)).Column("id").Where("id = ?", repoID)
		var id int64
		if err := s.forUpdate(q).Scan(ctx, &id); errors.Is(err, sql.ErrNoRows) {
			return notFound(op, "repository")
		} else if err != nil {
			return err
		}
		var err error
		out, err = propertyOwner{"repository_properties", "repository_id", repoID}.change(ctx, tx, ch)
		return err
	})
	return out, wrap(op, err)
}

// FindArtifacts answers a property search: one EXISTS per match, so every
// match must hold (values of one match are alternatives).
func (s *Store) FindArtifacts(ctx context.Context, q ports.PropertyQuery) ([]ports.PropertyHit, error) {
	const op = "find by properties"
	if (!q.All && len(q.Repositories) == 0) || len(q.Matches) == 0 || q.Limit <= 0 {
		return nil, nil
	}
	var rows []fileRow
	sel := s.db.NewSelect().Model(&rows).Column("f.id", "f.repository_id", "f.path")
	if !q.All {
		sel = sel.Where("f.repository_id IN (?)", bun.List(q.Repositories))
	}
	for _, m := range q.Matches {
		sub := s.db.NewSelect().Table("artifact_properties").ColumnExpr("1").
			Where("artifact_properties.file_id = f.id").Where("artifact_properties.key = ?", m.Key)
		if len(m.Values) > 0 {
			sub = sub.Where("artifact_properties.value IN (?)", bun.List(m.Values))
		}
		sel = sel.Where("EXISTS (?)", sub)
	}
	if q.AfterRepo != 0 || q.AfterPath != "" {
		sel = sel.Where("(f.repository_id > ? OR (f.repository_id = ? AND f.path > ?))", q.AfterRepo, q.AfterRepo, q.AfterPath)
	}
	if err := sel.OrderExpr("f.repository_id, f.path").Limit(int64(q.Limit)).Scan(ctx); err != nil {
		return nil, wrap(op, err)
	}
	out := make([]ports.PropertyHit, 0, len(rows))
	for _, r := range rows {
		p, err := propertyOwner{"artifact_properties", "file_id", r.ID}.load(ctx, s.db)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, ports.PropertyHit{RepositoryID: r.RepositoryID, Path: r.Path, Properties: p})
	}
	return out, nil
}
