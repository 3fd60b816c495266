package ports

import (
	"context"
	"time"
)

// File is one stored path inside a repository, pointing at a blob.
type File struct {
	ID           int64
	RepositoryID int64
	Path         string
	BlobDigest   string
	Size         int64
	ContentType  string
	SHA256       string
	SHA1         string
	MD5          string
	SHA512       string
	Package      string
	Version      string
	// Metadata is plugin-defined JSON describing the file (may be empty). A
	// member "served_headers" ([[name, value], …]) holds headers the host's
	// fast path sends when it serves the file (core/dispatch/served.go); a
	// member "served_base" (a repository URL) limits the fast path to
	// requests that reach the repository at that URL (a document with
	// absolute links written ahead of its reads), "served_while" (a path)
	// to the time that file is stored (a document derived from it). A
	// member "alias_of" (a path of the same repository) marks the file as a
	// second path for that file's content, e.g. a tag for a manifest: the
	// scan policies judge it by that file (core/scan/alias.go), and it is
	// not scanned on its own.
	Metadata  []byte
	CreatedAt time.Time
}

// FilePut stages a file write in a WriteSet.
type FilePut struct {
	File File
	// Overwrite allows replacing an existing path; otherwise an existing path is ErrConflict.
	Overwrite bool
}

// KV is one plugin key-value entry, scoped to a repository and a namespace.
type KV struct {
	Namespace string
	Key       string
	Value     []byte
}

// WriteSet is every change one request makes to a repository. The store
// applies it in a single transaction and bumps the repository generation.
type WriteSet struct {
	Puts      []FilePut
	Deletes   []string
	KVPuts    []KV
	KVDeletes []KV
	// PackageMeta upserts package/version metadata (plugin-defined JSON).
	Versions []VersionPut
	// Reads are what the writes were computed from; Apply fails with
	// ErrStale, writing nothing, when one changed before the commit
	// (optimistic concurrency for read-modify-write).
	Reads []ReadCheck
}

// ReadCheck is one read a WriteSet depends on: a file path (Namespace empty)
// or a key-value (Namespace and Key). Digest is the file's blob digest or
// the hex SHA-256 of the value, as read; "" means it was absent.
type ReadCheck struct {
	Path      string
	Namespace string
	Key       string
	Digest    string
}

// Empty reports whether the write set changes nothing.
func (w WriteSet) Empty() bool {
	return len(w.Puts) == 0 && len(w.Deletes) == 0 && len(w.KVPuts) == 0 && len(w.KVDeletes) == 0 && len(w.Versions) == 0
}

// Package is a named package inside a repository.
type Package struct {
	ID           int64
	RepositoryID int64
	Name         string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Version is one version of a package.
type Version struct {
	ID        int64
	PackageID int64
	Package   string
	Version   string
	Metadata  []byte
	CreatedAt time.Time
}

// VersionPut records (or replaces the metadata of) a package version; Delete removes it.
type VersionPut struct {
	Package  string
	Version  string
	Metadata []byte
	Delete   bool
}

// FileListing asks for files in path order after a cursor.
type FileListing struct {
	Prefix string
	// After is the last path of the previous page ("" for the first page).
	After string
	Limit int
	// Package, when set, lists only that package's files.
	Package string
}

// FileStore persists files, packages, versions and plugin key-values of repositories.
type FileStore interface {
	GetFile(ctx context.Context, repoID int64, path string) (File, error)
	ListFiles(ctx context.Context, repoID int64, q FileListing) ([]File, error)
	// Apply commits ws atomically and returns the new repository generation.
	Apply(ctx context.Context, repoID int64, ws WriteSet) (int64, error)
	ListPackages(ctx context.Context, repoID int64, prefix, after string, limit int) ([]Package, error)
	ListVersions(ctx context.Context, repoID int64, pkg, after string, limit int) ([]Version, error)
	GetKV(ctx context.Context, repoID int64, namespace, key string) ([]byte, error)
	ListKV(ctx context.Context, repoID int64, namespace, prefix, after string, limit int) ([]KV, error)
	// BlobInUse reports whether any file references digest.
	BlobInUse(ctx context.Context, digest string) (bool, error)
}
