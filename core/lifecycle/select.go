package lifecycle

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// unit is what a policy keeps or deletes whole: a package version (its
// files), or a file that belongs to no version.
type unit struct {
	pkg, version string
	paths        []string
	bytes        int64
	created      time.Time // of its newest file
}

func (u *unit) name() string {
	if u.version == "" {
		return u.paths[0]
	}
	return u.pkg
}

// selectDoomed applies the policy's rules (docs/lifecycle.md):
//   - keep_last N protects the newest N versions of each package;
//   - older_than and not_downloaded_for select; when both are set a
//     version must meet both; a version is judged not downloaded only when
//     it was also stored longer ago than that;
//   - with neither set, every version beyond the newest N goes;
//   - include / exclude patterns match the package name (the path of a
//     file without a version), and keep_last does not apply to such files.
func (s *Service) selectDoomed(ctx context.Context, p ports.LifecyclePolicy, repo ports.Repository, now time.Time) ([]Doomed, bool, error) {
	units, truncated, err := s.units(ctx, repo)
	if err != nil {
		return nil, false, err
	}
	protected := map[*unit]bool{}
	if p.KeepLast > 0 {
		byPkg := map[string][]*unit{}
		for _, u := range units {
			if u.version != "" {
				byPkg[u.pkg] = append(byPkg[u.pkg], u)
			}
		}
		for _, us := range byPkg {
			sort.Slice(us, func(i, j int) bool {
				if !us[i].created.Equal(us[j].created) {
					return us[i].created.After(us[j].created)
				}
				return us[i].version > us[j].version
			})
			for i := 0; i < len(us) && i < p.KeepLast; i++ {
				protected[us[i]] = true
			}
		}
	}
	var out []Doomed
	for _, u := range units {
		if protected[u] || !matches(p, u.name()) {
			continue
		}
		reasons, ok, err := s.selected(ctx, p, repo, u, now)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			continue
		}
		if len(out) == MaxDeleteVersions {
			truncated = true
			break
		}
		out = append(out, Doomed{Package: u.pkg, Version: u.version, Paths: u.paths, Bytes: u.bytes, Reason: strings.Join(reasons, "; ")})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Package < out[j].Package })
	return out, truncated, nil
}

func matches(p ports.LifecyclePolicy, name string) bool {
	if p.Include != "" {
		if ok, _ := path.Match(p.Include, name); !ok {
			return false
		}
	}
	if p.Exclude != "" {
		if ok, _ := path.Match(p.Exclude, name); ok {
			return false
		}
	}
	return true
}

// selected says whether the rules select u, and why.
func (s *Service) selected(ctx context.Context, p ports.LifecyclePolicy, repo ports.Repository, u *unit, now time.Time) ([]string, bool, error) {
	var reasons []string
	if p.OlderThan == 0 && p.NotDownloadedFor == 0 {
		if u.version == "" { // keep_last alone never judges unversioned files
			return nil, false, nil
		}
		return []string{fmt.Sprintf("beyond the newest %d versions", p.KeepLast)}, true, nil
	}
	if p.OlderThan > 0 {
		if !u.created.Before(now.Add(-p.OlderThan)) {
			return nil, false, nil
		}
		reasons = append(reasons, "stored more than "+p.OlderThan.String()+" ago")
	}
	if p.NotDownloadedFor > 0 {
		since := now.Add(-p.NotDownloadedFor)
		if s.d.Downloads == nil || !u.created.Before(since) {
			return nil, false, nil
		}
		for _, path := range u.paths {
			rows, err := s.d.Downloads.Downloads(ctx, ports.DownloadQuery{Repositories: []string{repo.Key}, Path: path,
				From: ports.DayOf(since), GroupBy: ports.GroupByArtifact, Limit: 1})
			if err != nil {
				return nil, false, wrapErr(err)
			}
			if len(rows) > 0 && rows[0].Downloads > 0 {
				return nil, false, nil
			}
		}
		reasons = append(reasons, "not downloaded for "+p.NotDownloadedFor.String())
	}
	if p.KeepLast > 0 && u.version != "" {
		reasons = append(reasons, fmt.Sprintf("not among the newest %d", p.KeepLast))
	}
	return reasons, true, nil
}

// units reads the repository's files (at most MaxScanFiles) into units.
func (s *Service) units(ctx context.Context, repo ports.Repository) ([]*unit, bool, error) {
	byVersion := map[[2]string]*unit{}
	var units []*unit
	after, read := "", 0
	for {
		page, err := s.d.Files.ListFiles(ctx, repo.ID, ports.FileListing{After: after, Limit: 1000})
		if err != nil {
			return nil, false, wrapErr(err)
		}
		for _, f := range page {
			var u *unit
			if f.Package != "" && f.Version != "" {
				k := [2]string{f.Package, f.Version}
				if u = byVersion[k]; u == nil {
					u = &unit{pkg: f.Package, version: f.Version}
					byVersion[k] = u
					units = append(units, u)
				}
			} else {
				u = &unit{pkg: f.Package}
				units = append(units, u)
			}
			u.paths = append(u.paths, f.Path)
			u.bytes += f.Size
			if f.CreatedAt.After(u.created) {
				u.created = f.CreatedAt
			}
		}
		read += len(page)
		if len(page) < 1000 {
			return units, false, nil
		}
		if read >= MaxScanFiles {
			return units, true, nil
		}
		after = page[len(page)-1].Path
	}
}
