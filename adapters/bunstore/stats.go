package bunstore

import (
	"context"
	"fmt"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.UsageStats = (*Store)(nil)

// RepositoryUsage counts files and sums their sizes per repository in one
// GROUP BY over the files table.
func (s *Store) RepositoryUsage(ctx context.Context) (map[int64]ports.RepoUsage, error) {
	var rows []struct {
		RepositoryID int64 `bun:"repository_id"`
		Files        int64 `bun:"files"`
		Bytes        int64 `bun:"bytes"`
	}
	err := s.db.NewSelect().Model((*fileRow)(nil)).
		ColumnExpr("f.repository_id AS repository_id, COUNT(*) AS files, COALESCE(CAST(SUM(f.size) AS BIGINT), 0) AS bytes").
		Group("f.repository_id").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("bunstore: repository usage: %w", err)
	}
	out := make(map[int64]ports.RepoUsage, len(rows))
	for _, r := range rows {
		out[r.RepositoryID] = ports.RepoUsage{Files: r.Files, Bytes: r.Bytes}
	}
	return out, nil
}
