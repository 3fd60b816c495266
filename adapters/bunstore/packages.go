package bunstore

import (
	"context"

	"github.com/keeper-registry/keeper/ports"
)

// ListPackages returns packages of a repository in name order after the cursor.
func (s *Store) ListPackages(ctx context.Context, repoID int64, prefix, after string, limit int) ([]ports.Package, error) {
	var rows []packageRow
	q := s.db.NewSelect().Model(&rows).Where("repository_id = ?", repoID)
	if prefix != "" {
		q = q.Where("name >= ?", prefix).Where("name < ?", prefixEnd(prefix))
	}
	if after != "" {
		q = q.Where("name > ?", after)
	}
	if err := q.OrderExpr("name").Limit(int64(clampLimit(limit))).Scan(ctx); err != nil {
		return nil, wrap("list packages", err)
	}
	out := make([]ports.Package, len(rows))
	for i, r := range rows {
		out[i] = ports.Package{
			ID: r.ID, RepositoryID: r.RepositoryID, Name: r.Name,
			CreatedAt: fromNanos(r.CreatedAt), UpdatedAt: fromNanos(r.UpdatedAt),
		}
	}
	return out, nil
}

// ListVersions returns the versions of one package in version-string order
// (byte order) after the cursor; an unknown package has no versions.
func (s *Store) ListVersions(ctx context.Context, repoID int64, pkg, after string, limit int) ([]ports.Version, error) {
	var rows []versionRow
	q := s.db.NewSelect().Model(&rows).
		Join("JOIN packages AS p ON p.id = v.package_id").
		Where("p.repository_id = ?", repoID).
		Where("p.name = ?", pkg)
	if after != "" {
		q = q.Where("v.version > ?", after)
	}
	if err := q.OrderExpr("v.version").Limit(int64(clampLimit(limit))).Scan(ctx); err != nil {
		return nil, wrap("list versions", err)
	}
	out := make([]ports.Version, len(rows))
	for i, r := range rows {
		out[i] = ports.Version{
			ID: r.ID, PackageID: r.PackageID, Package: pkg, Version: r.Version,
			Metadata: r.Metadata, CreatedAt: fromNanos(r.CreatedAt),
		}
	}
	return out, nil
}

// GetKV returns one plugin key-value, or ErrNotFound.
func (s *Store) GetKV(ctx context.Context, repoID int64, namespace, key string) ([]byte, error) {
	var row kvRow
	err := s.db.NewSelect().Model(&row).
		Where("repository_id = ?", repoID).
		Where("namespace = ?", namespace).
		Where("key = ?", key).
		Scan(ctx)
	if err != nil {
		return nil, wrap("get kv "+namespace+"/"+key, err)
	}
	return row.Value, nil
}
