package ports

import (
	"context"
	"time"
)

// DownloadCount is a number of downloads of one file of one repository by
// one user (empty: anonymous) on one day (UTC, "2006-01-02"), and the bytes
// they sent. Recorders add them up in memory and write them in batches.
type DownloadCount struct {
	Day        string
	Repository string
	Path       string
	User       string
	Downloads  int64
	Bytes      int64
}

// Download groupings of a DownloadQuery.
const (
	GroupByDay      = "day"
	GroupByArtifact = "artifact"
	GroupByUser     = "user"
)

// DownloadQuery selects download counts. Repositories limits the result to
// those keys (nil: every repository; empty but non-nil: none); Path, when
// set, to one file; From and To (inclusive, "2006-01-02", either may be
// empty) to a range of days.
type DownloadQuery struct {
	Repositories []string
	Path         string
	From, To     string
	// GroupBy is GroupByDay (rows by day, oldest first), GroupByArtifact
	// (by repository and path, most downloaded first) or GroupByUser (by
	// user, most downloading first).
	GroupBy string
	// Limit caps the rows (at most 1,000; 0 means 100).
	Limit int
}

// DownloadRow is one group of a DownloadQuery: the fields of its grouping
// are set (Day; Repository and Path; User), the others are empty.
type DownloadRow struct {
	Day        string `json:"day,omitempty"`
	Repository string `json:"repository,omitempty"`
	Path       string `json:"path,omitempty"`
	User       string `json:"user,omitempty"`
	Downloads  int64  `json:"downloads"`
	Bytes      int64  `json:"bytes"`
}

// DownloadStats stores download counts (per artifact, repository, user and
// day) and answers queries over them.
type DownloadStats interface {
	// AddDownloads adds counts in one transaction: rows of the same day,
	// repository, path and user sum up, across calls and replicas.
	AddDownloads(ctx context.Context, counts []DownloadCount) error
	// Downloads groups the counts q selects; an unknown GroupBy or a bad
	// day is an *InvalidError.
	Downloads(ctx context.Context, q DownloadQuery) ([]DownloadRow, error)
}

// DayOf is the UTC day of t as download counts name it.
func DayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }
