package ports

import "context"

// RepoUsage is what one repository holds: its files and their bytes
// (logical sizes; deduplicated blobs may take less on disk).
type RepoUsage struct {
	Files int64
	Bytes int64
}

// UsageStats sums the files of every repository in one query.
type UsageStats interface {
	// RepositoryUsage maps repository IDs to their usage; repositories
	// without files are absent.
	RepositoryUsage(ctx context.Context) (map[int64]RepoUsage, error)
}
