package scan

import (
	"context"
	"sort"

	"github.com/keeper-registry/keeper/ports"
)

// RepoScore is one repository's security health.
type RepoScore struct {
	Repository string `json:"repository"`
	// Score is the mean of its scanned artifacts' scores (100 with none).
	Score       int    `json:"score"`
	Grade       string `json:"grade"`
	Scanned     int    `json:"scanned"`
	NotScanned  int    `json:"not_scanned"`
	Quarantined int    `json:"quarantined"`
	Counts      Counts `json:"open_findings"`
}

// Dashboard is the security overview.
type Dashboard struct {
	Queue        map[string]int `json:"queue"`
	Repositories []RepoScore    `json:"repositories"`
	Counts       Counts         `json:"open_findings"`
	// Truncated: more artifacts exist than one overview reads.
	Truncated bool `json:"truncated"`
}

// Walk calls fn with the report of every queued or scanned artifact of a
// repository ("" for all), at most maxListed of them; it reports whether
// more remained.
func (s *Service) Walk(ctx context.Context, repoKey string, fn func(Report) error) (bool, error) {
	var repoID int64
	if repoKey != "" {
		r, err := s.repo(ctx, repoKey)
		if err != nil {
			return false, err
		}
		repoID = r.ID
	}
	var afterRepo int64
	afterPath := ""
	seen := 0
	for {
		page, err := s.d.Records.ScannedFiles(ctx, repoID, afterRepo, afterPath, 500)
		if err != nil {
			return false, err
		}
		for _, sf := range page {
			if seen == maxListed {
				return true, nil
			}
			seen++
			rep, err := s.report(ctx, sf)
			if err != nil {
				return false, err
			}
			if err := fn(rep); err != nil {
				return false, err
			}
		}
		if len(page) < 500 {
			return false, nil
		}
		last := page[len(page)-1]
		afterRepo, afterPath = last.RepositoryID, last.Path
	}
}

// Overview sums the reports into per-repository scores.
func (s *Service) Overview(ctx context.Context, repoKey string) (Dashboard, error) {
	d := Dashboard{Repositories: []RepoScore{}}
	var err error
	if d.Queue, err = s.d.Queue.ScanCounts(ctx); err != nil {
		return d, err
	}
	by := map[string]*RepoScore{}
	sums := map[string]int{}
	d.Truncated, err = s.Walk(ctx, repoKey, func(r Report) error {
		rs := by[r.Repository]
		if rs == nil {
			rs = &RepoScore{Repository: r.Repository}
			by[r.Repository] = rs
		}
		if r.Status == ports.ScanDone {
			rs.Scanned++
			sums[r.Repository] += r.Score
			rs.Counts = rs.Counts.Add(r.Counts)
		} else {
			rs.NotScanned++
		}
		if r.Download.Quarantined {
			rs.Quarantined++
		}
		return nil
	})
	if err != nil {
		return d, err
	}
	for k, rs := range by {
		rs.Score = 100
		if rs.Scanned > 0 {
			rs.Score = sums[k] / rs.Scanned
		}
		rs.Grade = Grade(rs.Score)
		d.Counts = d.Counts.Add(rs.Counts)
		d.Repositories = append(d.Repositories, *rs)
	}
	sort.Slice(d.Repositories, func(i, j int) bool { return d.Repositories[i].Repository < d.Repositories[j].Repository })
	return d, nil
}
