package bunstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/ports"
)

func fileToRow(repoID int64, f *ports.File) fileRow {
	return fileRow{
		RepositoryID: repoID, Path: f.Path, BlobDigest: f.BlobDigest, Size: f.Size,
		ContentType: f.ContentType, SHA256: f.SHA256, SHA1: f.SHA1, MD5: f.MD5, SHA512: f.SHA512,
		Package: f.Package, Version: f.Version, Metadata: f.Metadata, CreatedAt: toNanos(f.CreatedAt),
	}
}

func rowToFile(r *fileRow) ports.File {
	return ports.File{
		ID: r.ID, RepositoryID: r.RepositoryID, Path: r.Path, BlobDigest: r.BlobDigest, Size: r.Size,
		ContentType: r.ContentType, SHA256: r.SHA256, SHA1: r.SHA1, MD5: r.MD5, SHA512: r.SHA512,
		Package: r.Package, Version: r.Version, Metadata: r.Metadata, CreatedAt: fromNanos(r.CreatedAt),
	}
}

// BlobInUse reports whether any file of any repository references digest.
func (s *Store) BlobInUse(ctx context.Context, digest string) (bool, error) {
	ok, err := s.db.NewSelect().Model((*fileRow)(nil)).Where("blob_digest = ?", digest).Exists(ctx)
	if err != nil {
		return false, wrap("blob in use", err)
	}
	return ok, nil
}

func (s *Store) generation(ctx context.Context, db bun.IDB, repoID int64) (int64, error) {
	var gen int64
	err := db.NewSelect().Model((*repositoryRow)(nil)).Column("generation").Where("id = ?", repoID).Scan(ctx, &gen)
	return gen, err
}

// Apply commits ws in one transaction: deletes, puts, package versions,
// key-value changes, then returns the bumped repository generation. An
// existing path put without Overwrite fails the whole write set with
// ErrConflict. An empty write set returns the current generation.
func (s *Store) Apply(ctx context.Context, repoID int64, ws ports.WriteSet) (int64, error) {
	const op = "apply"
	if ws.Empty() {
		gen, err := s.generation(ctx, s.db, repoID)
		return gen, wrap(op, err)
	}
	if err := validateWriteSet(ws); err != nil {
		return 0, wrap(op, err)
	}
	stmts, err := s.applyStmts(ctx, ws)
	if err != nil {
		return 0, wrap(op, err)
	}
	var gen int64
	var queued int
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// Bump first: on PostgreSQL the row lock serialises writers of one
		// repository (no deadlocks on packages); SQLite holds the write lock already.
		err := tx.StmtContext(ctx, stmts.bump).QueryRowContext(ctx, repoID).Scan(&gen)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(op, "repository")
		}
		if err != nil {
			return err
		}
		if err := checkReads(ctx, tx, repoID, ws.Reads); err != nil {
			return err
		}
		now := toNanos(s.clock.Now())
		if err := enqueueSearch(ctx, tx, repoID, ws, now); err != nil {
			return err
		}
		if err := enqueueScans(ctx, tx, repoID, ws, now); err != nil {
			return err
		}
		if err := enqueueReplication(ctx, tx, repoID, ws, now); err != nil {
			return err
		}
		// Before applyFiles: a failed write set returns its error first, and
		// the deliveries share its transaction.
		if queued, err = enqueueWebhooks(ctx, tx, repoID, ws, now); err != nil {
			return err
		}
		if err := applyFiles(ctx, tx, repoID, ws, now); err != nil {
			return err
		}
		if err := applyVersions(ctx, tx, repoID, ws, now); err != nil {
			return err
		}
		return applyKV(ctx, tx, stmts, repoID, ws)
	})
	if err != nil {
		return 0, wrap(op, err)
	}
	s.webhooksQueued(queued)
	return gen, nil
}

// checkReads re-reads what the write set was computed from, after the
// generation bump has serialised the repository's writers (PostgreSQL's row
// lock; SQLite's write lock), and fails with ErrStale on any difference.
func checkReads(ctx context.Context, tx bun.Tx, repoID int64, reads []ports.ReadCheck) error {
	for _, rc := range reads {
		var now string
		if rc.Namespace != "" {
			var row kvRow
			err := tx.NewSelect().Model(&row).Column("value").Where("repository_id = ?", repoID).
				Where("namespace = ?", rc.Namespace).Where("key = ?", rc.Key).Scan(ctx)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return err
			default:
				sum := sha256.Sum256(row.Value)
				now = hex.EncodeToString(sum[:])
			}
		} else {
			err := tx.NewSelect().Model((*fileRow)(nil)).Column("blob_digest").Where("repository_id = ?", repoID).
				Where("path = ?", rc.Path).Scan(ctx, &now)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if now != rc.Digest {
			return ports.ErrStale
		}
	}
	return nil
}

func validateWriteSet(ws ports.WriteSet) error {
	for _, p := range ws.Puts {
		if p.File.Path == "" {
			return ports.Invalidf("path", "must not be empty")
		}
		if p.File.BlobDigest == "" {
			return ports.Invalidf("blob_digest", "must not be empty for %q", p.File.Path)
		}
		if p.File.Version != "" && p.File.Package == "" {
			return ports.Invalidf("package", "version %q of %q has no package", p.File.Version, p.File.Path)
		}
	}
	for _, v := range ws.Versions {
		if v.Package == "" || v.Version == "" {
			return ports.Invalidf("versions", "package and version must not be empty")
		}
	}
	for _, kv := range append(append([]ports.KV(nil), ws.KVPuts...), ws.KVDeletes...) {
		if kv.Namespace == "" || kv.Key == "" {
			return ports.Invalidf("kv", "namespace and key must not be empty")
		}
	}
	return nil
}

func applyFiles(ctx context.Context, tx bun.Tx, repoID int64, ws ports.WriteSet, now int64) error {
	if len(ws.Deletes) > 0 {
		_, err := tx.NewDelete().Model((*fileRow)(nil)).
			Where("repository_id = ?", repoID).
			Where("path IN (?)", bun.List(ws.Deletes)).
			Exec(ctx)
		if err != nil {
			return err
		}
	}
	for _, p := range ws.Puts {
		row := fileToRow(repoID, &p.File)
		if row.CreatedAt == 0 {
			row.CreatedAt = now
		}
		q := tx.NewInsert().Model(&row).Returning("NULL")
		if p.Overwrite {
			q = q.On("CONFLICT (repository_id, path) DO UPDATE").
				Set("blob_digest = EXCLUDED.blob_digest").
				Set("size = EXCLUDED.size").
				Set("content_type = EXCLUDED.content_type").
				Set("sha256 = EXCLUDED.sha256").
				Set("sha1 = EXCLUDED.sha1").
				Set("md5 = EXCLUDED.md5").
				Set("sha512 = EXCLUDED.sha512").
				Set("package = EXCLUDED.package").
				Set("version = EXCLUDED.version").
				Set("metadata = EXCLUDED.metadata").
				Set("created_at = EXCLUDED.created_at")
		}
		if _, err := q.Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return &ports.ConflictError{Message: fmt.Sprintf("%q already exists and may not be overwritten", p.File.Path)}
			}
			return err
		}
	}
	return nil
}

// applyVersions records the package/version of every put file, then applies
// ws.Versions in order (metadata upserts and deletions).
func applyVersions(ctx context.Context, tx bun.Tx, repoID int64, ws ports.WriteSet, now int64) error {
	for _, p := range ws.Puts {
		if p.File.Package == "" {
			continue
		}
		pkgID, err := ensurePackage(ctx, tx, repoID, p.File.Package, now)
		if err != nil {
			return err
		}
		if p.File.Version == "" {
			continue
		}
		v := versionRow{PackageID: pkgID, Version: p.File.Version, CreatedAt: now}
		_, err = tx.NewInsert().Model(&v).On("CONFLICT (package_id, version) DO NOTHING").Returning("NULL").Exec(ctx)
		if err != nil {
			return err
		}
	}
	for _, vp := range ws.Versions {
		if vp.Delete {
			if err := deleteVersion(ctx, tx, repoID, vp.Package, vp.Version); err != nil {
				return err
			}
			continue
		}
		pkgID, err := ensurePackage(ctx, tx, repoID, vp.Package, now)
		if err != nil {
			return err
		}
		v := versionRow{PackageID: pkgID, Version: vp.Version, Metadata: vp.Metadata, CreatedAt: now}
		_, err = tx.NewInsert().Model(&v).
			On("CONFLICT (package_id, version) DO UPDATE").
			Set("metadata = EXCLUDED.metadata").
			Returning("NULL").Exec(ctx)
		if err != nil {
			return err
		}
	}
	return nil
}

func ensurePackage(ctx context.Context, tx bun.Tx, repoID int64, name string, now int64) (int64, error) {
	row := packageRow{RepositoryID: repoID, Name: name, CreatedAt: now, UpdatedAt: now}
	_, err := tx.NewInsert().Model(&row).
		On("CONFLICT (repository_id, name) DO UPDATE").
		Set("updated_at = EXCLUDED.updated_at").
		Returning("id").
		Exec(ctx)
	return row.ID, err
}

// deleteVersion removes a version and, when it was the last, its package.
func deleteVersion(ctx context.Context, tx bun.Tx, repoID int64, pkg, version string) error {
	var p packageRow
	err := tx.NewSelect().Model(&p).Column("id").Where("repository_id = ?", repoID).Where("name = ?", pkg).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := tx.NewDelete().Model((*versionRow)(nil)).Where("package_id = ?", p.ID).Where("version = ?", version).Exec(ctx); err != nil {
		return err
	}
	left, err := tx.NewSelect().Model((*versionRow)(nil)).Where("package_id = ?", p.ID).Exists(ctx)
	if err != nil || left {
		return err
	}
	_, err = tx.NewDelete().Model((*packageRow)(nil)).Where("id = ?", p.ID).Exec(ctx)
	return err
}

// applyKV writes the key-value changes with prepared statements (a yank
// or a dist-tag is such a write alone).
func applyKV(ctx context.Context, tx bun.Tx, stmts applyStmts, repoID int64, ws ports.WriteSet) error {
	if len(ws.KVPuts) > 0 {
		put := tx.StmtContext(ctx, stmts.kvPut)
		for _, kv := range ws.KVPuts {
			val := kv.Value
			if val == nil {
				val = []byte{}
			}
			if _, err := put.ExecContext(ctx, repoID, kv.Namespace, kv.Key, val); err != nil {
				return err
			}
		}
	}
	if len(ws.KVDeletes) > 0 {
		del := tx.StmtContext(ctx, stmts.kvDelete)
		for _, kv := range ws.KVDeletes {
			if _, err := del.ExecContext(ctx, repoID, kv.Namespace, kv.Key); err != nil {
				return err
			}
		}
	}
	return nil
}

var _ artifact.DigestStore = (*Store)(nil)

// FillDigests records digests computed after the upload on every file row of
// that content still missing one (artifact.DigestStore). The content is
// unchanged, so no repository generation moves.
func (s *Store) FillDigests(ctx context.Context, blobDigest string, d artifact.Digests) error {
	_, err := s.db.NewUpdate().Model((*fileRow)(nil)).
		Set("sha1 = ?", d.SHA1).Set("md5 = ?", d.MD5).Set("sha512 = ?", d.SHA512).
		Where("blob_digest = ?", blobDigest).
		Where("(sha1 = '' OR md5 = '' OR sha512 = '')").
		Exec(ctx)
	return wrap("fill digests", err)
}
