package bunstore

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.DownloadStats = (*Store)(nil)

// downloadRowsPerInsert keeps one INSERT's parameters (6 a row) well under
// SQLite's and PostgreSQL's limits.
const downloadRowsPerInsert = 500

// AddDownloads implements ports.DownloadStats: a multi-row upsert that adds
// to the existing counts, in one transaction.
func (s *Store) AddDownloads(ctx context.Context, counts []ports.DownloadCount) error {
	const op = "add downloads"
	if len(counts) == 0 {
		return nil
	}
	return wrap(op, s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for start := 0; start < len(counts); start += downloadRowsPerInsert {
			batch := counts[start:min(start+downloadRowsPerInsert, len(counts))]
			var q strings.Builder
			args := make([]any, 0, 6*len(batch))
			q.WriteString("INSERT INTO download_stats (day, repository, path, username, downloads, bytes) VALUES ")
			for i, c := range batch {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?)")
				args = append(args, c.Day, c.Repository, c.Path, c.User, c.Downloads, c.Bytes)
			}
			q.WriteString(" ON CONFLICT (repository, path, username, day) DO UPDATE SET" +
				" downloads = download_stats.downloads + excluded.downloads, bytes = download_stats.bytes + excluded.bytes")
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return err
			}
		}
		return nil
	}))
}

// Downloads implements ports.DownloadStats.
func (s *Store) Downloads(ctx context.Context, q ports.DownloadQuery) ([]ports.DownloadRow, error) {
	const op = "downloads"
	if err := checkDownloadQuery(q); err != nil {
		return nil, err
	}
	if q.Repositories != nil && len(q.Repositories) == 0 {
		return []ports.DownloadRow{}, nil
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	sel := s.db.NewSelect().TableExpr("download_stats").
		ColumnExpr("CAST(SUM(downloads) AS BIGINT) AS downloads").ColumnExpr("CAST(SUM(bytes) AS BIGINT) AS bytes").Limit(int64(limit))
	switch q.GroupBy {
	case ports.GroupByDay:
		sel = sel.ColumnExpr("day").Group("day").Order("day ASC")
	case ports.GroupByArtifact:
		sel = sel.ColumnExpr("repository, path").Group("repository", "path").
			OrderExpr("SUM(downloads) DESC, repository ASC, path ASC")
	case ports.GroupByUser:
		sel = sel.ColumnExpr("username").Group("username").OrderExpr("SUM(downloads) DESC, username ASC")
	}
	if q.Repositories != nil {
		sel = sel.Where("repository IN (?)", bun.List(q.Repositories))
	}
	if q.Path != "" {
		sel = sel.Where("path = ?", q.Path)
	}
	if q.From != "" {
		sel = sel.Where("day >= ?", q.From)
	}
	if q.To != "" {
		sel = sel.Where("day <= ?", q.To)
	}
	rows, err := sel.Rows(ctx)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []ports.DownloadRow{}
	for rows.Next() {
		var r ports.DownloadRow
		dest := []any{&r.Downloads, &r.Bytes}
		switch q.GroupBy {
		case ports.GroupByDay:
			dest = append(dest, &r.Day)
		case ports.GroupByArtifact:
			dest = append(dest, &r.Repository, &r.Path)
		case ports.GroupByUser:
			dest = append(dest, &r.User)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, r)
	}
	return out, wrap(op, rows.Err())
}

// checkDownloadQuery refuses a grouping or a day the store does not know.
func checkDownloadQuery(q ports.DownloadQuery) error {
	switch q.GroupBy {
	case ports.GroupByDay, ports.GroupByArtifact, ports.GroupByUser:
	default:
		return &ports.InvalidError{Field: "group_by", Message: "group_by must be day, artifact or user"}
	}
	for field, d := range map[string]string{"from": q.From, "to": q.To} {
		if d == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return &ports.InvalidError{Field: field, Message: field + " must be a day (YYYY-MM-DD)"}
		}
	}
	return nil
}
