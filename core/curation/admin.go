package curation

import (
	"context"
	"fmt"
	"strings"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/scan"
	"github.com/keeper-registry/keeper/ports"
)

// Limits of what administrators may store.
const (
	maxPatterns   = 1000
	maxPatternLen = 300
	maxAgeSeconds = 10 * 365 * 24 * 3600
	maxNameLen    = 300
	maxReasonLen  = 1000
	maxVersions   = 1000
	// MaxImport bounds the entries of one import.
	MaxImport = 10_000
	// MaxBlocksListed bounds one page of the block report.
	MaxBlocksListed = 1000
)

func (s *Service) repo(ctx context.Context, key string) (ports.Repository, error) {
	r, err := s.d.Repos.GetRepository(ctx, key)
	if err != nil {
		return r, fmt.Errorf("curation: repository %q: %w", key, err)
	}
	return r, nil
}

// Rules returns the stored rule set of a repository ("": the global one).
func (s *Service) Rules(ctx context.Context, repoKey string) (ports.CurationRules, error) {
	if repoKey == "" {
		return s.d.Store.CurationRules(ctx, 0)
	}
	r, err := s.repo(ctx, repoKey)
	if err != nil {
		return ports.CurationRules{}, err
	}
	return s.d.Store.CurationRules(ctx, r.ID)
}

// SetRules validates and stores the rule set of a repository ("": the
// global one).
func (s *Service) SetRules(ctx context.Context, by ports.Subject, repoKey string, r ports.CurationRules) (ports.CurationRules, error) {
	r, err := validRules(r)
	if err != nil {
		return r, err
	}
	target := "global"
	r.RepositoryID = 0
	if repoKey != "" {
		repo, err := s.repo(ctx, repoKey)
		if err != nil {
			return r, err
		}
		r.RepositoryID, target = repo.ID, repoKey
	}
	err = s.d.Store.PutCurationRules(ctx, r)
	s.d.Audit.By(ctx, by, "curation.rules.set", target, outcome(err),
		fmt.Sprintf("block=%s allow=%s deny_licenses=%s min_age_seconds=%d max_severity=%s malicious=%t",
			strings.Join(r.Block, ","), strings.Join(r.Allow, ","), strings.Join(r.DenyLicenses, ","),
			r.MinAgeSeconds, r.MaxSeverity, malicious(r)))
	if err != nil {
		return r, err
	}
	s.Forget()
	return s.d.Store.CurationRules(ctx, r.RepositoryID)
}

func validRules(r ports.CurationRules) (ports.CurationRules, error) {
	for _, l := range []struct {
		field string
		list  *[]string
	}{{"block", &r.Block}, {"allow", &r.Allow}} {
		if len(*l.list) > maxPatterns {
			return r, ports.Invalidf(l.field, "at most %d patterns", maxPatterns)
		}
		out := []string{}
		for _, p := range *l.list {
			p = strings.TrimSpace(p)
			if name, _ := SplitPattern(p); name == "" || len(p) > maxPatternLen {
				return r, ports.Invalidf(l.field, "%q is not a name[@version] pattern of at most %d characters", p, maxPatternLen)
			}
			out = append(out, p)
		}
		*l.list = out
	}
	deny, err := scan.ValidLicenses(r.DenyLicenses)
	if err != nil {
		return r, err
	}
	r.DenyLicenses = deny
	if r.MinAgeSeconds < 0 || r.MinAgeSeconds > maxAgeSeconds {
		return r, ports.Invalidf("min_age_seconds", "must be 0 to %d", maxAgeSeconds)
	}
	r.MaxSeverity = strings.ToUpper(strings.TrimSpace(r.MaxSeverity))
	if r.MaxSeverity != "" && !scan.ValidSeverity(r.MaxSeverity) {
		return r, ports.Invalidf("max_severity", "%q is not one of CRITICAL, HIGH, MEDIUM, LOW", r.MaxSeverity)
	}
	return r, nil
}

// Malicious lists the known-malicious entries.
func (s *Service) Malicious(ctx context.Context) ([]ports.MaliciousPackage, error) {
	return s.d.Store.MaliciousList(ctx, maxMalicious)
}

// AddMalicious validates and stores entries (an entry replaces the stored
// one of its name).
func (s *Service) AddMalicious(ctx context.Context, by ports.Subject, entries []ports.MaliciousPackage) ([]ports.MaliciousPackage, error) {
	if len(entries) == 0 || len(entries) > MaxImport {
		return nil, ports.Invalidf("entries", "1 to %d entries", MaxImport)
	}
	actor, _ := audit.Actor(by)
	for i := range entries {
		e := &entries[i]
		e.Name, e.Reason, e.Source = strings.TrimSpace(e.Name), strings.TrimSpace(e.Reason), strings.TrimSpace(e.Source)
		switch {
		case e.Name == "" || len(e.Name) > maxNameLen:
			return nil, ports.Invalidf("name", "entry %d: a name of 1 to %d characters is required", i, maxNameLen)
		case len(e.Reason) > maxReasonLen || len(e.Source) > maxNameLen:
			return nil, ports.Invalidf("reason", "entry %d: reason or source too long", i)
		case len(e.Versions) > maxVersions:
			return nil, ports.Invalidf("versions", "entry %d: at most %d versions", i, maxVersions)
		}
		if e.Reason == "" {
			e.Reason = "listed as malicious"
		}
		if e.Versions == nil {
			e.Versions = []string{}
		}
		for _, v := range e.Versions {
			if strings.TrimSpace(v) == "" || len(v) > maxNameLen || strings.Contains(v, "\n") {
				return nil, ports.Invalidf("versions", "entry %d: %q is not a version", i, v)
			}
		}
		e.AddedBy = actor
	}
	err := s.d.Store.PutMalicious(ctx, entries)
	s.d.Audit.By(ctx, by, "curation.malicious.add", fmt.Sprintf("%d entries", len(entries)), outcome(err), entries[0].Name)
	if err != nil {
		return nil, err
	}
	s.Forget()
	return entries, nil
}

// DeleteMalicious removes an entry.
func (s *Service) DeleteMalicious(ctx context.Context, by ports.Subject, id int64) error {
	err := s.d.Store.DeleteMalicious(ctx, id)
	s.d.Audit.By(ctx, by, "curation.malicious.delete", fmt.Sprint(id), outcome(err), "")
	if err == nil {
		s.Forget()
	}
	return err
}

// Blocks returns the block report of a repository ("": all), newest
// first, below the ID before (0: from the newest).
func (s *Service) Blocks(ctx context.Context, repoKey string, before int64, limit int) ([]ports.CurationBlock, error) {
	if limit <= 0 || limit > MaxBlocksListed {
		limit = MaxBlocksListed
	}
	var id int64
	if repoKey != "" {
		r, err := s.repo(ctx, repoKey)
		if err != nil {
			return nil, err
		}
		id = r.ID
	}
	return s.d.Store.CurationBlocks(ctx, id, before, limit)
}

func outcome(err error) string {
	if err != nil {
		return audit.Failure
	}
	return audit.Success
}
