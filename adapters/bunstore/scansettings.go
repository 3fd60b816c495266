package bunstore

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var (
	_ ports.ScanRecords  = (*Store)(nil)
	_ ports.ScanSettings = (*Store)(nil)
)

type scanPolicyRow struct {
	bun.BaseModel `bun:"table:scan_policies,alias:sp"`

	RepositoryID   int64  `bun:"repository_id,pk"`
	Enabled        bool   `bun:"enabled"`
	BlockSeverity  string `bun:"block_severity"`
	BlockUnscanned bool   `bun:"block_unscanned"`
	Quarantine     bool   `bun:"quarantine"`
	DenyLicenses   string `bun:"deny_licenses"`
	Gate           string `bun:"quality_gate"`
	UpdatedAt      int64  `bun:"updated_at"`
}

type scanAckRow struct {
	bun.BaseModel `bun:"table:scan_acks,alias:sa"`

	ID           int64  `bun:"id,pk,autoincrement"`
	RepositoryID int64  `bun:"repository_id"`
	VulnID       string `bun:"vuln_id"`
	Reason       string `bun:"reason"`
	CreatedBy    string `bun:"created_by"`
	CreatedAt    int64  `bun:"created_at"`
	ExpiresAt    int64  `bun:"expires_at"`
}

type scanReleaseRow struct {
	bun.BaseModel `bun:"table:scan_releases,alias:rl"`

	RepositoryID int64  `bun:"repository_id,pk"`
	Path         string `bun:"path,pk"`
	Digest       string `bun:"digest"`
	ReleasedBy   string `bun:"released_by"`
	ReleasedAt   int64  `bun:"released_at"`
}

// ScanPolicy returns a stored policy or the default one.
func (s *Store) ScanPolicy(ctx context.Context, repoID int64) (ports.ScanPolicy, error) {
	var row scanPolicyRow
	err := s.db.NewSelect().Model(&row).Where("repository_id = ?", repoID).Scan(ctx)
	if isNoRows(err) {
		return ports.ScanPolicy{RepositoryID: repoID, Enabled: true, DenyLicenses: []string{}}, nil
	}
	if err != nil {
		return ports.ScanPolicy{}, wrap("scan policy", err)
	}
	p := ports.ScanPolicy{RepositoryID: row.RepositoryID, Enabled: row.Enabled, BlockSeverity: row.BlockSeverity,
		BlockUnscanned: row.BlockUnscanned, Quarantine: row.Quarantine, DenyLicenses: []string{}, Gate: row.Gate}
	if row.DenyLicenses != "" {
		p.DenyLicenses = strings.Split(row.DenyLicenses, ",")
	}
	if row.UpdatedAt != 0 {
		p.UpdatedAt = fromNanos(row.UpdatedAt)
	}
	return p, nil
}

// PutScanPolicy upserts a policy.
func (s *Store) PutScanPolicy(ctx context.Context, p ports.ScanPolicy) error {
	row := scanPolicyRow{RepositoryID: p.RepositoryID, Enabled: p.Enabled, BlockSeverity: p.BlockSeverity,
		BlockUnscanned: p.BlockUnscanned, Quarantine: p.Quarantine, DenyLicenses: strings.Join(p.DenyLicenses, ","), Gate: p.Gate,
		UpdatedAt: toNanos(s.clock.Now())}
	_, err := s.db.NewInsert().Model(&row).On("CONFLICT (repository_id) DO UPDATE").
		Set("enabled = EXCLUDED.enabled").Set("block_severity = EXCLUDED.block_severity").
		Set("block_unscanned = EXCLUDED.block_unscanned").Set("quarantine = EXCLUDED.quarantine").
		Set("deny_licenses = EXCLUDED.deny_licenses").Set("quality_gate = EXCLUDED.quality_gate").
		Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
	return wrap("put scan policy", err)
}

// AddAck stores an acknowledgement.
func (s *Store) AddAck(ctx context.Context, a *ports.ScanAck) error {
	row := scanAckRow{RepositoryID: a.RepositoryID, VulnID: a.VulnID, Reason: a.Reason, CreatedBy: a.CreatedBy,
		CreatedAt: toNanos(s.clock.Now()), ExpiresAt: toNanos(a.ExpiresAt)}
	if _, err := s.db.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return wrap("add ack", err)
	}
	a.ID, a.CreatedAt = row.ID, fromNanos(row.CreatedAt)
	return nil
}

// DeleteAck removes an acknowledgement.
func (s *Store) DeleteAck(ctx context.Context, id int64) error {
	res, err := s.db.NewDelete().Model((*scanAckRow)(nil)).Where("id = ?", id).Exec(ctx)
	return mustAffect("delete ack", "acknowledgement", res, err)
}

// Acks lists the acknowledgements not expired at now, with repository keys.
func (s *Store) Acks(ctx context.Context, now time.Time) ([]ports.ScanAck, error) {
	var rows []struct {
		scanAckRow `bun:",extend"`
		Repository string `bun:"repository"`
	}
	err := s.db.NewSelect().TableExpr("scan_acks AS sa").
		ColumnExpr("sa.*, COALESCE(r.key, '') AS repository").
		Join("LEFT JOIN repositories AS r ON r.id = sa.repository_id").
		Where("sa.expires_at > ?", toNanos(now)).OrderExpr("sa.id").Limit(1000).Scan(ctx, &rows)
	if err != nil {
		return nil, wrap("acks", err)
	}
	out := make([]ports.ScanAck, 0, len(rows))
	for _, r := range rows {
		out = append(out, ports.ScanAck{ID: r.ID, RepositoryID: r.RepositoryID, Repository: r.Repository,
			VulnID: r.VulnID, Reason: r.Reason, CreatedBy: r.CreatedBy, CreatedAt: fromNanos(r.CreatedAt),
			ExpiresAt: fromNanos(r.ExpiresAt)})
	}
	return out, nil
}

type scannedFileRow struct {
	RepositoryID int64  `bun:"repository_id"`
	Repository   string `bun:"repository"`
	Path         string `bun:"path"`
	Digest       string `bun:"digest"`
	Released     string `bun:"released"`
	scanResultRow
}

func (s *Store) scannedFiles(q *bun.SelectQuery) *bun.SelectQuery {
	return q.TableExpr("files AS f").
		ColumnExpr("f.repository_id, r.key AS repository, f.path, f.blob_digest AS digest").
		ColumnExpr("COALESCE(rl.digest, '') AS released").
		ColumnExpr("COALESCE(sr.status, '') AS status, COALESCE(sr.scanners, '') AS scanners, sr.findings").
		ColumnExpr("COALESCE(sr.error, '') AS error, COALESCE(sr.runs, 0) AS runs").
		ColumnExpr("COALESCE(sr.queued_at, 0) AS queued_at, COALESCE(sr.scanned_at, 0) AS scanned_at").
		ColumnExpr("COALESCE(sr.db_versions, '') AS db_versions, sr.licenses").
		Join("JOIN repositories AS r ON r.id = f.repository_id").
		Join("LEFT JOIN scan_results AS sr ON sr.digest = f.blob_digest").
		Join("LEFT JOIN scan_releases AS rl ON rl.repository_id = f.repository_id AND rl.path = f.path")
}

func (r scannedFileRow) file() ports.ScannedFile {
	res := r.scanResultRow
	res.Digest = r.Digest
	out := ports.ScannedFile{RepositoryID: r.RepositoryID, Repository: r.Repository, Path: r.Path, Digest: r.Digest,
		Result: res.result(), Released: r.Released != "" && r.Released == r.Digest}
	if res.QueuedAt == 0 {
		out.Result.QueuedAt = time.Time{}
	}
	return out
}

// ScannedFile returns one file with the verdict on its content.
func (s *Store) ScannedFile(ctx context.Context, repoID int64, path string) (ports.ScannedFile, error) {
	var row scannedFileRow
	err := s.scannedFiles(s.db.NewSelect()).Where("f.repository_id = ?", repoID).Where("f.path = ?", path).
		Scan(ctx, &row)
	if err != nil {
		return ports.ScannedFile{}, wrap("scanned file", err)
	}
	return row.file(), nil
}

// ScannedFiles lists files whose content has a verdict (or is queued).
func (s *Store) ScannedFiles(ctx context.Context, repoID, afterRepo int64, afterPath string, limit int) ([]ports.ScannedFile, error) {
	q := s.scannedFiles(s.db.NewSelect()).Where("sr.digest IS NOT NULL")
	if repoID != 0 {
		q = q.Where("f.repository_id = ?", repoID)
	}
	if afterRepo != 0 || afterPath != "" {
		q = q.Where("(f.repository_id > ? OR (f.repository_id = ? AND f.path > ?))", afterRepo, afterRepo, afterPath)
	}
	var rows []scannedFileRow
	err := q.OrderExpr("f.repository_id, f.path").Limit(int64(clampLimit(limit))).Scan(ctx, &rows)
	if err != nil {
		return nil, wrap("scanned files", err)
	}
	out := make([]ports.ScannedFile, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.file())
	}
	return out, nil
}

// Release records the release of path's current content from quarantine.
func (s *Store) Release(ctx context.Context, repoID int64, path, by string) error {
	const op = "release"
	var digest string
	err := s.db.NewSelect().Model((*fileRow)(nil)).Column("blob_digest").
		Where("repository_id = ?", repoID).Where("path = ?", path).Scan(ctx, &digest)
	if err != nil {
		return wrap(op, err)
	}
	row := scanReleaseRow{RepositoryID: repoID, Path: path, Digest: digest, ReleasedBy: by, ReleasedAt: toNanos(s.clock.Now())}
	_, err = s.db.NewInsert().Model(&row).On("CONFLICT (repository_id, path) DO UPDATE").
		Set("digest = EXCLUDED.digest").Set("released_by = EXCLUDED.released_by").
		Set("released_at = EXCLUDED.released_at").Exec(ctx)
	return wrap(op, err)
}

// HeldDigests answers which of digests are the content of a file of the
// repository (files_blob_digest_idx).
func (s *Store) HeldDigests(ctx context.Context, repoID int64, digests []string) (map[string]bool, error) {
	out := make(map[string]bool, len(digests))
	for len(digests) > 0 {
		batch := digests[:min(len(digests), 500)]
		digests = digests[len(batch):]
		var held []string
		err := s.db.NewSelect().Model((*fileRow)(nil)).Distinct().Column("blob_digest").
			Where("repository_id = ?", repoID).Where("blob_digest IN (?)", bun.List(batch)).Scan(ctx, &held)
		if err != nil {
			return nil, wrap("held digests", err)
		}
		for _, d := range held {
			out[d] = true
		}
	}
	return out, nil
}
