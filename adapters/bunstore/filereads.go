package bunstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// The file reads behind every plugin call (GetFile, ListFiles, ListKV) run
// as prepared statements scanned by hand (prepared.go): an uncached
// metadata document lists a project's hundreds of rows, and bun's
// per-query parse and reflective scan were most of the host's share.

// fileColumns are the files columns in fileRow order but repository_id,
// which every read names in its WHERE clause (one column fewer per row);
// scanFile reads them.
const fileColumns = `SELECT id, path, blob_digest, size, content_type, sha256, sha1, md5, sha512,
  package, version, metadata, COALESCE(created_at, 0) FROM files`

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

func scanFile(sc rowScanner, repoID int64) (ports.File, error) {
	r := fileRow{RepositoryID: repoID}
	err := sc.Scan(&r.ID, &r.Path, &r.BlobDigest, &r.Size, &r.ContentType, &r.SHA256, &r.SHA1,
		&r.MD5, &r.SHA512, &r.Package, &r.Version, &r.Metadata, &r.CreatedAt)
	return rowToFile(&r), err
}

// GetFile returns the file stored at path, or ErrNotFound.
func (s *Store) GetFile(ctx context.Context, repoID int64, path string) (ports.File, error) {
	op := "get file " + path
	st, err := s.stmt(ctx, fileColumns+` WHERE repository_id = ? AND path = ?`)
	if err != nil {
		return ports.File{}, wrap(op, err)
	}
	f, err := scanFile(st.QueryRowContext(ctx, repoID, path), repoID)
	if err != nil {
		return ports.File{}, wrap(op, err)
	}
	return f, nil
}

// ListFiles returns files in path order after q.After (byte order).
func (s *Store) ListFiles(ctx context.Context, repoID int64, q ports.FileListing) ([]ports.File, error) {
	const op = "list files"
	var b strings.Builder
	b.WriteString(fileColumns + ` WHERE repository_id = ?`)
	args := make([]any, 1, 6)
	args[0] = repoID
	if q.Prefix != "" {
		b.WriteString(` AND path >= ? AND path < ?`)
		args = append(args, q.Prefix, prefixEnd(q.Prefix))
	}
	if q.After != "" {
		b.WriteString(` AND path > ?`)
		args = append(args, q.After)
	}
	if q.Package != "" {
		b.WriteString(` AND package = ?`)
		args = append(args, q.Package)
	}
	limit := clampLimit(q.Limit)
	b.WriteString(` ORDER BY path LIMIT ?`)
	args = append(args, limit)
	st, err := s.stmt(ctx, b.String())
	if err != nil {
		return nil, wrap(op, err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := scanFiles(rows, repoID, limit)
	return out, wrap(op, err)
}

func scanFiles(rows *sql.Rows, repoID int64, limit int) ([]ports.File, error) {
	defer rows.Close()
	out := make([]ports.File, 0, min(limit, 512))
	for rows.Next() {
		f, err := scanFile(rows, repoID)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ListKV lists plugin key-values in key order after after (byte order).
func (s *Store) ListKV(ctx context.Context, repoID int64, namespace, prefix, after string, limit int) ([]ports.KV, error) {
	const op = "list kv"
	var b strings.Builder
	b.WriteString(`SELECT namespace, key, value FROM plugin_kv WHERE repository_id = ? AND namespace = ?`)
	args := []any{repoID, namespace}
	if prefix != "" {
		b.WriteString(` AND key >= ? AND key < ?`)
		args = append(args, prefix, prefixEnd(prefix))
	}
	if after != "" {
		b.WriteString(` AND key > ?`)
		args = append(args, after)
	}
	b.WriteString(` ORDER BY key LIMIT ?`)
	args = append(args, clampLimit(limit))
	st, err := s.stmt(ctx, b.String())
	if err != nil {
		return nil, wrap(op, err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []ports.KV{}
	for rows.Next() {
		var kv ports.KV
		if err := rows.Scan(&kv.Namespace, &kv.Key, &kv.Value); err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, kv)
	}
	return out, wrap(op, rows.Err())
}
