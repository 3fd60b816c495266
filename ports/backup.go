package ports

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// Table names a metadata table and the columns its rows carry, in order.
type Table struct {
	Name    string
	Columns []string
}

// RowReader streams a table's rows: yield is called once per row with one
// value per column. Values are nil, int64, float64, bool, string or []byte,
// whatever the database; an error from yield stops the stream and is returned.
type RowReader func(yield func(row []any) error) error

// TableSource hands tables to a loader one at a time; Next returns io.EOF
// after the last one.
type TableSource interface {
	Next(ctx context.Context) (Table, RowReader, error)
}

// MetadataDumper reads the whole metadata database for a backup.
type MetadataDumper interface {
	// DumpTables calls fn for every table holding state, inside one
	// read-only snapshot, in an order in which they load without breaking a
	// reference. Tables derived from others (the search index) and
	// per-process state (leases, rate windows, upload sessions) are left
	// out. version is the schema the rows belong to (the newest migration
	// applied); it is returned too.
	DumpTables(ctx context.Context, fn func(version int64, t Table, rows RowReader) error) (schemaVersion int64, err error)
}

// MetadataLoader fills an empty metadata database from a backup.
type MetadataLoader interface {
	// SchemaVersion is the newest migration this build knows.
	SchemaVersion() int64
	// PrepareRestore applies the migrations up to version and fails with a
	// *NotEmptyError when the database already holds data.
	PrepareRestore(ctx context.Context, version int64) error
	// LoadTables inserts every table of src in one transaction (nothing is
	// kept when any table fails) and moves sequences past the loaded ids.
	LoadTables(ctx context.Context, src TableSource) error
	// FinishRestore applies the migrations newer than the backup.
	FinishRestore(ctx context.Context) error
}

// NotEmptyError refuses a restore into a database that holds data; it
// matches ErrConflict.
type NotEmptyError struct{ Tables []string }

func (e *NotEmptyError) Error() string {
	return fmt.Sprintf("the database is not empty (%s hold rows): restore only into a new, empty instance",
		strings.Join(e.Tables, ", "))
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *NotEmptyError) Is(target error) bool { return target == ErrConflict }

// BackupTarget is where backups live: blobs, content-addressed and shared by
// every backup in the target (so a blob is copied once), and named files
// (manifests, table dumps). Names are slash-separated and relative, made of
// letters, digits and "._-" segments.
type BackupTarget interface {
	// Blobs is the target's content-addressed store.
	Blobs() BlobStore
	// WriteFile stores r under name, replacing what was there; a reader
	// never sees a half-written file.
	WriteFile(ctx context.Context, name string, r io.Reader) error
	// OpenFile reads a file written by WriteFile, or fails with ErrNotFound.
	OpenFile(ctx context.Context, name string) (io.ReadCloser, error)
	// ListDir returns the names directly under dir (files and folders), sorted.
	ListDir(ctx context.Context, dir string) ([]string, error)
}

// CheckBackupName is an *InvalidError for a name a BackupTarget must not take.
func CheckBackupName(name string) error {
	if name == "" || len(name) > 512 {
		return Invalidf("name", "want 1 to 512 characters")
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return Invalidf("name", "empty, . or .. segment")
		}
		for _, c := range seg {
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
			if !ok {
				return Invalidf("name", "only letters, digits and ._- are allowed")
			}
		}
	}
	return nil
}
