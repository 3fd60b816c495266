package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Deps are what the service needs. Files must be the store the dispatcher
// commits through, so that deletions bump generations and queue search,
// replication and webhook work like any delete.
type Deps struct {
	Store     ports.LifecycleStore
	Repos     ports.RepositoryStore
	Files     ports.FileStore
	Downloads ports.DownloadStats
	Clock     ports.Clock
	// Audit records each run that deleted something (may be nil).
	Audit func(ctx context.Context, action, target, detail string)
}

// Limits of one policy run.
const (
	// MaxScanFiles bounds the files one run reads; a bigger repository is
	// cleaned over several runs.
	MaxScanFiles = 200_000
	// MaxDeleteVersions bounds the versions one run deletes.
	MaxDeleteVersions = 10_000
)

// Service manages lifecycle policies and quotas and runs the policies.
type Service struct{ d Deps }

// New builds the service.
func New(d Deps) *Service {
	if d.Clock == nil {
		d.Clock = ports.SystemClock{}
	}
	return &Service{d: d}
}

var nameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// Validate checks a policy's fields.
func Validate(p ports.LifecyclePolicy) error {
	switch {
	case !nameRe.MatchString(p.Name):
		return ports.Invalidf("name", "lower-case letters, digits, '.', '_' and '-', at most 64")
	case p.KeepLast < 0 || p.KeepLast > 100_000:
		return ports.Invalidf("keep_last", "from 0 to 100000")
	case p.OlderThan < 0 || p.NotDownloadedFor < 0:
		return ports.Invalidf("older_than", "durations are positive")
	case p.OlderThan > 0 && p.OlderThan < time.Hour, p.NotDownloadedFor > 0 && p.NotDownloadedFor < time.Hour:
		return ports.Invalidf("older_than", "at least one hour")
	case p.KeepLast == 0 && p.OlderThan == 0 && p.NotDownloadedFor == 0:
		return ports.Invalidf("keep_last", "set keep_last, older_than or not_downloaded_for")
	}
	for field, pat := range map[string]string{"include": p.Include, "exclude": p.Exclude} {
		if len(pat) > 256 {
			return ports.Invalidf(field, "at most 256 bytes")
		}
		if _, err := path.Match(pat, ""); err != nil {
			return ports.Invalidf(field, "not a valid pattern")
		}
	}
	return nil
}

// Create validates and stores a policy of a local repository.
func (s *Service) Create(ctx context.Context, repo ports.Repository, p ports.LifecyclePolicy) (ports.LifecyclePolicy, error) {
	if err := Validate(p); err != nil {
		return p, err
	}
	if repo.Type != ports.RepoLocal && repo.Type != ports.RepoStaging {
		return p, ports.Invalidf("repository", "cleanup policies apply to local and staging repositories")
	}
	p.RepositoryID = repo.ID
	if err := s.d.Store.CreateLifecyclePolicy(ctx, &p); err != nil {
		return p, fmt.Errorf("lifecycle: %w", err)
	}
	return p, nil
}

// Update validates and stores p (its repository does not change).
func (s *Service) Update(ctx context.Context, p ports.LifecyclePolicy) (ports.LifecyclePolicy, error) {
	if err := Validate(p); err != nil {
		return p, err
	}
	if err := s.d.Store.UpdateLifecyclePolicy(ctx, &p); err != nil {
		return p, fmt.Errorf("lifecycle: %w", err)
	}
	return p, nil
}

// Get, List and Delete pass through to the store.
func (s *Service) Get(ctx context.Context, id int64) (ports.LifecyclePolicy, error) {
	p, err := s.d.Store.LifecyclePolicy(ctx, id)
	return p, wrapErr(err)
}

// List returns the policies of one repository (0: all).
func (s *Service) List(ctx context.Context, repoID int64) ([]ports.LifecyclePolicy, error) {
	ps, err := s.d.Store.LifecyclePolicies(ctx, repoID)
	return ps, wrapErr(err)
}

// Delete removes a policy.
func (s *Service) Delete(ctx context.Context, id int64) error {
	return wrapErr(s.d.Store.DeleteLifecyclePolicy(ctx, id))
}

// Quota returns a repository's quota and what it holds now.
func (s *Service) Quota(ctx context.Context, repo ports.Repository) (ports.Quota, int64, error) {
	q, err := s.d.Store.Quota(ctx, repo.ID)
	if err != nil {
		return q, 0, wrapErr(err)
	}
	used, err := s.d.Store.RepositoryBytes(ctx, repo.ID)
	return q, used, wrapErr(err)
}

// SetQuota stores a repository's quota (both 0 removes it).
func (s *Service) SetQuota(ctx context.Context, repo ports.Repository, maxBytes, warnBytes int64) error {
	if maxBytes < 0 || warnBytes < 0 || maxBytes > 0 && warnBytes > maxBytes {
		return ports.Invalidf("warn_bytes", "limits are positive and the warning is at most the maximum")
	}
	return wrapErr(s.d.Store.SetQuota(ctx, ports.Quota{RepositoryID: repo.ID, MaxBytes: maxBytes, WarnBytes: warnBytes}))
}

func wrapErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("lifecycle: %w", err)
}

// Doomed is one version (or unversioned file) a policy deletes, and why.
type Doomed struct {
	Package string   `json:"package"`
	Version string   `json:"version,omitempty"`
	Paths   []string `json:"paths"`
	Bytes   int64    `json:"bytes"`
	Reason  string   `json:"reason"`
}

// Report is what a run deleted, or a preview would delete.
type Report struct {
	Policy     string    `json:"policy"`
	Repository string    `json:"repository"`
	DryRun     bool      `json:"dry_run"`
	Items      []Doomed  `json:"items"`
	Bytes      int64     `json:"bytes"`
	Truncated  bool      `json:"truncated"`
	At         time.Time `json:"at"`
}

// Preview lists exactly what running the policy now would delete.
func (s *Service) Preview(ctx context.Context, id int64) (Report, error) {
	return s.run(ctx, id, true)
}

// Run deletes what the policy selects, through the commit path, and
// records the run on the policy.
func (s *Service) Run(ctx context.Context, id int64) (Report, error) {
	return s.run(ctx, id, false)
}

// RunAll runs every enabled policy (the scheduled job); one policy's
// failure is recorded on it and does not stop the others.
func (s *Service) RunAll(ctx context.Context) error {
	ps, err := s.d.Store.LifecyclePolicies(ctx, 0)
	if err != nil {
		return wrapErr(err)
	}
	var errs []error
	for _, p := range ps {
		if !p.Enabled {
			continue
		}
		if _, err := s.run(ctx, p.ID, false); err != nil && !errors.Is(err, ports.ErrNotFound) {
			errs = append(errs, fmt.Errorf("policy %s: %w", p.Name, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Service) run(ctx context.Context, id int64, dry bool) (Report, error) {
	p, err := s.d.Store.LifecyclePolicy(ctx, id)
	if err != nil {
		return Report{}, wrapErr(err)
	}
	repo, err := s.repoByID(ctx, p.RepositoryID)
	if err != nil {
		return Report{}, err
	}
	now := s.d.Clock.Now()
	rep := Report{Policy: p.Name, Repository: repo.Key, DryRun: dry, Items: []Doomed{}, At: now}
	doomed, truncated, err := s.selectDoomed(ctx, p, repo, now)
	if err == nil {
		rep.Items, rep.Truncated = doomed, truncated
		for _, d := range doomed {
			rep.Bytes += d.Bytes
		}
		if !dry {
			err = s.delete(ctx, repo, doomed)
		}
	}
	if dry {
		return rep, err
	}
	p.LastRunAt, p.LastDeleted, p.LastError = now, int64(len(rep.Items)), ""
	if err != nil {
		p.LastDeleted, p.LastError = 0, "the run failed; see the server log"
	}
	if uerr := s.d.Store.UpdateLifecyclePolicy(ctx, &p); uerr != nil && err == nil {
		err = wrapErr(uerr)
	}
	if err == nil && len(rep.Items) > 0 && s.d.Audit != nil {
		s.d.Audit(ctx, "lifecycle.delete", repo.Key, fmt.Sprintf("policy=%s versions=%d bytes=%d", p.Name, len(rep.Items), rep.Bytes))
	}
	return rep, err
}

// repoByID finds a repository by id (policies keep ids; repository keys can be listed).
func (s *Service) repoByID(ctx context.Context, id int64) (ports.Repository, error) {
	const batch = 500
	for from := 0; from < 100_000; from += batch {
		rs, _, err := s.d.Repos.ListRepositories(ctx, ports.RepositoryFilter{}, ports.Page{Offset: from, Limit: batch})
		if err != nil {
			return ports.Repository{}, wrapErr(err)
		}
		for _, r := range rs {
			if r.ID == id {
				return r, nil
			}
		}
		if len(rs) < batch {
			break
		}
	}
	return ports.Repository{}, fmt.Errorf("lifecycle: repository %d: %w", id, ports.ErrNotFound)
}

// delete removes each doomed version in its own write set (files and the
// version record), so a failure leaves whole versions.
func (s *Service) delete(ctx context.Context, repo ports.Repository, doomed []Doomed) error {
	for _, d := range doomed {
		ws := ports.WriteSet{Deletes: d.Paths}
		if d.Version != "" {
			ws.Versions = []ports.VersionPut{{Package: d.Package, Version: d.Version, Delete: true}}
		}
		if _, err := s.d.Files.Apply(ctx, repo.ID, ws); err != nil {
			return fmt.Errorf("lifecycle: delete %s %s: %w", d.Package, d.Version, err)
		}
	}
	return nil
}
