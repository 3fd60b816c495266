package curation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// Verdicts gives the scan verdict of content by its SHA-256
// (ports.ScanQueue.ScanResult); ErrNotFound when it was never queued.
type Verdicts interface {
	ScanResult(ctx context.Context, digest string) (ports.ScanResult, error)
}

// Deps are what the curation service works with; Verdicts may be nil (no
// severity rule is then applied).
type Deps struct {
	Store    ports.CurationStore
	Repos    ports.RepositoryStore
	Verdicts Verdicts
	Clock    ports.Clock
	Audit    *audit.Recorder
	Log      *slog.Logger
}

// settingsTTL is how long a replica keeps rule sets and the malicious
// list before it reads them again.
const settingsTTL = 3 * time.Second

// maxMalicious bounds the known-malicious list held in memory.
const maxMalicious = 100_000

// Service admits or refuses packages fetched for remote repositories.
type Service struct {
	d Deps

	mu    sync.Mutex
	rules map[int64]cachedRules
	mal   []ports.MaliciousPackage
	malAt time.Time
}

type cachedRules struct {
	r  ports.CurationRules
	at time.Time
}

// New returns the service.
func New(d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{d: d, rules: map[int64]cachedRules{}}
}

// Curates reports whether a fetch for the repository must be described
// and checked before it is cached (any rule or malicious entry applies).
// A store that cannot be read curates (the check then fails closed).
func (s *Service) Curates(ctx context.Context, repositoryID int64) bool {
	g, r, err := s.ruleSets(ctx, repositoryID)
	if err != nil {
		return true
	}
	if Active(g) || Active(r) {
		return true
	}
	if !malicious(g) || !malicious(r) {
		return false
	}
	mal, err := s.malicious(ctx)
	return err != nil || len(mal) > 0
}

// Admit answers nil when c may enter the cache, else a *Refused with the
// reason, recorded in the block report and the audit log.
func (s *Service) Admit(ctx context.Context, by ports.Subject, c ports.CurationCandidate) error {
	g, r, err := s.ruleSets(ctx, c.RepositoryID)
	if err != nil {
		return err
	}
	f := Facts{Now: s.d.Clock.Now()}
	if malicious(g) && malicious(r) {
		if f.Malicious, err = s.malicious(ctx); err != nil {
			return err
		}
	}
	if (g.MaxSeverity != "" || r.MaxSeverity != "") && s.d.Verdicts != nil && c.Digest != "" {
		v, err := s.d.Verdicts.ScanResult(ctx, c.Digest)
		switch {
		case err == nil && v.Status == ports.ScanDone:
			f.Verdict = &v
		case err != nil && !errors.Is(err, ports.ErrNotFound):
			return fmt.Errorf("curation: verdict: %w", err)
		}
	}
	refused := Decide(g, r, c, f)
	if refused == nil {
		return nil
	}
	b := ports.CurationBlock{RepositoryID: c.RepositoryID, Repository: c.Repository, Path: c.Path, Package: c.Name,
		Version: c.Version, Rule: refused.Rule, Reason: refused.Reason, At: f.Now}
	if err := s.d.Store.AddCurationBlock(ctx, &b); err != nil {
		s.d.Log.WarnContext(ctx, "curation: record block", "repo", c.Repository, "path", c.Path, "err", err)
	}
	s.d.Audit.By(ctx, by, "curation.blocked", c.Repository+"/"+c.Path, audit.Denied, refused.Reason)
	return refused
}

func (s *Service) ruleSets(ctx context.Context, repositoryID int64) (ports.CurationRules, ports.CurationRules, error) {
	g, err := s.cachedRules(ctx, 0)
	if err != nil {
		return g, g, err
	}
	r, err := s.cachedRules(ctx, repositoryID)
	return g, r, err
}

func (s *Service) cachedRules(ctx context.Context, id int64) (ports.CurationRules, error) {
	now := s.d.Clock.Now()
	s.mu.Lock()
	c, ok := s.rules[id]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < settingsTTL {
		return c.r, nil
	}
	r, err := s.d.Store.CurationRules(ctx, id)
	if err != nil {
		return r, fmt.Errorf("curation: rules: %w", err)
	}
	s.mu.Lock()
	s.rules[id] = cachedRules{r: r, at: now}
	s.mu.Unlock()
	return r, nil
}

func (s *Service) malicious(ctx context.Context) ([]ports.MaliciousPackage, error) {
	now := s.d.Clock.Now()
	s.mu.Lock()
	mal, at := s.mal, s.malAt
	s.mu.Unlock()
	if !at.IsZero() && now.Sub(at) < settingsTTL {
		return mal, nil
	}
	mal, err := s.d.Store.MaliciousList(ctx, maxMalicious)
	if err != nil {
		return nil, fmt.Errorf("curation: malicious list: %w", err)
	}
	s.mu.Lock()
	s.mal, s.malAt = mal, now
	s.mu.Unlock()
	return mal, nil
}

// Forget drops this replica's cached rules and list (after it changed them).
func (s *Service) Forget() {
	s.mu.Lock()
	s.rules = map[int64]cachedRules{}
	s.malAt = time.Time{}
	s.mu.Unlock()
}
