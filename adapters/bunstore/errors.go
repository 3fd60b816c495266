package bunstore

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/keeper-registry/keeper/ports"
)

// wrap prefixes err with the room and operation and maps driver errors onto
// the ports sentinels so callers can use errors.Is.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("bunstore: %s: %w", op, ports.ErrNotFound)
	case isUniqueViolation(err):
		// The driver's text names the constraint and the SQL: keep it out
		// of messages a client may see.
		return fmt.Errorf("bunstore: %s: already exists: %w", op, ports.ErrConflict)
	case isForeignKeyViolation(err):
		return fmt.Errorf("bunstore: %s: referenced row missing: %w", op, ports.ErrNotFound)
	case isUnavailable(err):
		return fmt.Errorf("bunstore: %s: %w: %w", op, ports.ErrUnavailable, err)
	case isFull(err):
		return fmt.Errorf("bunstore: %s: %w: %v", op, ports.ErrStorageFull, err)
	}
	return fmt.Errorf("bunstore: %s: %w", op, err)
}

// PostgreSQL SQLSTATE codes, https://www.postgresql.org/docs/current/errcodes-appendix.html
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
	pgDiskFull            = "53100"
)

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == pgUniqueViolation
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		c := sqErr.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isUnavailable reports a database that refused or lost the connection:
// too many clients, starting up or shutting down, or a network failure
// (SQLSTATE classes 08 and 57P, and 53300), and SQLite's busy/locked
// after its timeout. These answer 503 with Retry-After, never 500.
func isUnavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		c := pgErr.Code
		return c == "53300" || c == "53400" || strings.HasPrefix(c, "08") || strings.HasPrefix(c, "57P")
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		c := sqErr.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED || c == sqlite3.SQLITE_CANTOPEN
	}
	return false
}

// isFull reports a database out of disk space: SQLSTATE 53100 (disk_full),
// SQLite's SQLITE_FULL (the disk, or max_page_count reached), or the
// file system's ENOSPC/EDQUOT seen by the driver.
func isFull(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == pgDiskFull
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code()&0xff == sqlite3.SQLITE_FULL
	}
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == pgForeignKeyViolation
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// notFound is the error for a missing row found without a driver error
// (for example an UPDATE that matched nothing).
func notFound(op, what string) error {
	return fmt.Errorf("bunstore: %s: %s: %w", op, what, ports.ErrNotFound)
}

// mustAffect turns an UPDATE/DELETE that matched no row into ErrNotFound.
func mustAffect(op, what string, res sql.Result, err error) error {
	if err != nil {
		return wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op, what)
	}
	return nil
}
