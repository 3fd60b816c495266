package bunstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.ScanQueue = (*Store)(nil)

type scanResultRow struct {
	bun.BaseModel `bun:"table:scan_results,alias:sr"`

	Digest       string `bun:"digest,pk"`
	Status       string `bun:"status"`
	RepositoryID int64  `bun:"repository_id"`
	Path         string `bun:"path"`
	Layout       []byte `bun:"layout"`
	Attempts     int    `bun:"attempts"`
	LeaseHolder  string `bun:"lease_holder"`
	LeaseUntil   int64  `bun:"lease_until"`
	Scanners     string `bun:"scanners"`
	Findings     []byte `bun:"findings"`
	Error        string `bun:"error"`
	Runs         int64  `bun:"runs"`
	QueuedAt     int64  `bun:"queued_at"`
	ScannedAt    int64  `bun:"scanned_at"`
	DBVersions   string `bun:"db_versions"`
	Licenses     []byte `bun:"licenses"`
}

// maxScanAttempts is how often a digest is claimed before it is failed: a
// scan whose worker keeps dying (the janitor re-claims expired leases) must
// not loop forever.
const maxScanAttempts = 3

// scanLayout returns the "scan" member of a file's metadata (the layout its
// plugin chose), nil when there is none.
func scanLayout(metadata []byte) []byte {
	if len(metadata) == 0 || !strings.Contains(string(metadata), `"scan"`) {
		return nil
	}
	var m struct {
		Scan json.RawMessage `json:"scan"`
	}
	if json.Unmarshal(metadata, &m) != nil || len(m.Scan) == 0 || string(m.Scan) == "null" {
		return nil
	}
	return m.Scan
}

// enqueueScans queues, inside the write set's transaction, the content of
// every put file that carries a scan layout, unless the repository's (or
// the global) policy disables scanning. Content already queued or scanned
// is not queued again: verdicts are per digest.
func enqueueScans(ctx context.Context, tx bun.Tx, repoID int64, ws ports.WriteSet, now int64) error {
	var rows []scanResultRow
	for _, p := range ws.Puts {
		if l := scanLayout(p.File.Metadata); l != nil {
			rows = append(rows, scanResultRow{Digest: p.File.BlobDigest, Status: ports.ScanPending,
				RepositoryID: repoID, Path: p.File.Path, Layout: l, QueuedAt: now})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	var disabled int
	err := tx.NewSelect().Model((*scanPolicyRow)(nil)).ColumnExpr("COUNT(*)").
		Where("repository_id IN (0, ?)", repoID).Where("enabled = ?", false).Scan(ctx, &disabled)
	if err != nil || disabled > 0 {
		return err
	}
	_, err = tx.NewInsert().Model(&rows).On("CONFLICT (digest) DO NOTHING").Returning("NULL").Exec(ctx)
	return err
}

// EnqueueScan queues the content at path again for a rescan.
func (s *Store) EnqueueScan(ctx context.Context, repoID int64, path string) error {
	const op = "enqueue scan"
	var f fileRow
	err := s.db.NewSelect().Model(&f).Column("blob_digest", "metadata").
		Where("repository_id = ?", repoID).Where("path = ?", path).Scan(ctx)
	if err != nil {
		return wrap(op, err)
	}
	layout := scanLayout(f.Metadata)
	if layout == nil {
		layout = []byte(`{}`)
	}
	now := toNanos(s.clock.Now())
	row := scanResultRow{Digest: f.BlobDigest, Status: ports.ScanPending, RepositoryID: repoID, Path: path,
		Layout: layout, QueuedAt: now}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewInsert().Model(&row).On("CONFLICT (digest) DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		// Queued or scanned before: queue again, unless a worker holds it.
		_, err = tx.NewUpdate().Model((*scanResultRow)(nil)).
			Set("status = ?", ports.ScanPending).Set("repository_id = ?", repoID).Set("path = ?", path).
			Set("layout = ?", layout).Set("attempts = 0").Set("queued_at = ?", now).Set("lease_until = 0").
			Where("digest = ?", f.BlobDigest).Where("status <> ?", ports.ScanRunning).Exec(ctx)
		return err
	})
	return wrap(op, err)
}

// ClaimScans leases pending digests, and running ones whose lease expired,
// oldest first. Each row is taken with a conditional UPDATE, so of several
// replicas claiming at once exactly one gets it. A pending row's
// lease_until is when it may be claimed (DeferScan; 0 at once).
func (s *Store) ClaimScans(ctx context.Context, holder string, n int, lease time.Duration) ([]ports.ScanJob, error) {
	const op = "claim scans"
	now := toNanos(s.clock.Now())
	var cands []scanResultRow
	err := s.db.NewSelect().Model(&cands).Column("digest", "attempts", "queued_at").
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("status = ? AND lease_until <= ?", ports.ScanPending, now).
				WhereOr("status = ? AND lease_until < ?", ports.ScanRunning, now)
		}).OrderExpr("queued_at, digest").Limit(int64(clampLimit(n))).Scan(ctx)
	if err != nil {
		return nil, wrap(op, err)
	}
	var jobs []ports.ScanJob
	for _, c := range cands {
		if c.Attempts >= maxScanAttempts {
			_, err := s.db.NewUpdate().Model((*scanResultRow)(nil)).
				Set("status = ?", ports.ScanFailed).Set("error = ?", "the scan did not finish").
				Set("lease_holder = ''").Set("lease_until = 0").Set("scanned_at = ?", now).
				Where("digest = ?", c.Digest).Where("attempts = ?", c.Attempts).Exec(ctx)
			if err != nil {
				return nil, wrap(op, err)
			}
			continue
		}
		var row scanResultRow
		err := s.db.NewUpdate().Model(&row).
			Set("status = ?", ports.ScanRunning).Set("lease_holder = ?", holder).
			Set("lease_until = ?", now+int64(lease)).Set("attempts = attempts + 1").
			Where("digest = ?", c.Digest).Where("attempts = ?", c.Attempts).
			WhereGroup(" AND ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
				return q.Where("status = ? AND lease_until <= ?", ports.ScanPending, now).
					WhereOr("status = ? AND lease_until < ?", ports.ScanRunning, now)
			}).
			Returning("digest, repository_id, path, layout, attempts, queued_at").Scan(ctx)
		if isNoRows(err) {
			continue // another replica took it
		}
		if err != nil {
			return nil, wrap(op, err)
		}
		jobs = append(jobs, ports.ScanJob{Digest: row.Digest, RepositoryID: row.RepositoryID, Path: row.Path,
			Layout: row.Layout, Attempts: row.Attempts, QueuedAt: fromNanos(row.QueuedAt)})
	}
	return jobs, nil
}

// DeferScan puts holder's claim back, pending until until, without
// counting the attempt.
func (s *Store) DeferScan(ctx context.Context, holder, digest string, until time.Time, why string) error {
	res, err := s.db.NewUpdate().Model((*scanResultRow)(nil)).
		Set("status = ?", ports.ScanPending).Set("lease_holder = ''").Set("lease_until = ?", toNanos(until)).
		Set("attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END").Set("error = ?", truncate(why, maxJobError)).
		Where("digest = ?", digest).Where("lease_holder = ?", holder).Where("status = ?", ports.ScanRunning).
		Exec(ctx)
	return mustAffect("defer scan", "lease of "+digest, res, err)
}

// FinishScan stores a verdict if holder still holds the lease.
func (s *Store) FinishScan(ctx context.Context, holder string, r ports.ScanResult) error {
	findings, err := json.Marshal(r.Findings)
	if err != nil {
		return wrap("finish scan", err)
	}
	licenses, err := json.Marshal(r.Licenses)
	if err != nil {
		return wrap("finish scan", err)
	}
	res, err := s.db.NewUpdate().Model((*scanResultRow)(nil)).
		Set("status = ?", r.Status).Set("scanners = ?", strings.Join(r.Scanners, ",")).
		Set("findings = ?", findings).Set("error = ?", truncate(r.Error, maxJobError)).
		Set("runs = runs + ?", r.Runs).Set("scanned_at = ?", toNanos(s.clock.Now())).
		Set("db_versions = ?", r.DBVersions).Set("licenses = ?", licenses).Set("lease_holder = ''").Set("lease_until = 0").
		Where("digest = ?", r.Digest).Where("lease_holder = ?", holder).Where("status = ?", ports.ScanRunning).
		Exec(ctx)
	return mustAffect("finish scan", "lease of "+r.Digest, res, err)
}

// ScanResult returns the verdict on a digest.
func (s *Store) ScanResult(ctx context.Context, digest string) (ports.ScanResult, error) {
	var row scanResultRow
	err := s.db.NewSelect().Model(&row).Where("digest = ?", digest).Scan(ctx)
	if err != nil {
		return ports.ScanResult{}, wrap("scan result", err)
	}
	return row.result(), nil
}

// RequeueOutdated queues again at most n verdicts made with other
// databases, oldest verdict first. Each row is flipped by a conditional
// UPDATE, so replicas running it at once never queue one twice.
func (s *Store) RequeueOutdated(ctx context.Context, dbVersions string, n int) (int, error) {
	const op = "requeue outdated scans"
	var digests []string
	err := s.db.NewSelect().Model((*scanResultRow)(nil)).Column("digest").
		Where("status IN (?)", bun.List([]string{ports.ScanDone, ports.ScanFailed, ports.ScanNotScanned})).
		Where("db_versions <> ?", dbVersions).OrderExpr("scanned_at, digest").Limit(int64(clampLimit(n))).
		Scan(ctx, &digests)
	if err != nil {
		return 0, wrap(op, err)
	}
	now, queued := toNanos(s.clock.Now()), 0
	for _, d := range digests {
		res, err := s.db.NewUpdate().Model((*scanResultRow)(nil)).
			Set("status = ?", ports.ScanPending).Set("attempts = 0").Set("queued_at = ?", now).
			Where("digest = ?", d).Where("db_versions <> ?", dbVersions).
			Where("status IN (?)", bun.List([]string{ports.ScanDone, ports.ScanFailed, ports.ScanNotScanned})).Exec(ctx)
		if err != nil {
			return queued, wrap(op, err)
		}
		if k, _ := res.RowsAffected(); k == 1 {
			queued++
		}
	}
	return queued, nil
}

// ScanCounts counts digests by status.
func (s *Store) ScanCounts(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Status string `bun:"status"`
		N      int    `bun:"n"`
	}
	err := s.db.NewSelect().Model((*scanResultRow)(nil)).ColumnExpr("status, COUNT(*) AS n").
		Group("status").Scan(ctx, &rows)
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, wrap("scan counts", err)
}

func (r scanResultRow) result() ports.ScanResult {
	out := ports.ScanResult{Digest: r.Digest, Status: r.Status, Error: r.Error, Runs: r.Runs,
		DBVersions: r.DBVersions, QueuedAt: fromNanos(r.QueuedAt), Findings: []ports.Finding{}, Licenses: []ports.PackageLicense{}}
	if r.Scanners != "" {
		out.Scanners = strings.Split(r.Scanners, ",")
	}
	if r.ScannedAt != 0 {
		out.ScannedAt = fromNanos(r.ScannedAt)
	}
	if len(r.Findings) > 0 {
		_ = json.Unmarshal(r.Findings, &out.Findings) // written by FinishScan only
	}
	if len(r.Licenses) > 0 && string(r.Licenses) != "null" {
		_ = json.Unmarshal(r.Licenses, &out.Licenses)
	}
	return out
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
