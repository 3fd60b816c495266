package scan

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// Report is one artifact's security state.
type Report struct {
	Repository string    `json:"repository"`
	Path       string    `json:"path"`
	SHA256     string    `json:"sha256"`
	Status     string    `json:"status"`
	Scanners   []string  `json:"scanners"`
	Error      string    `json:"error,omitempty"`
	ScannedAt  time.Time `json:"scanned_at,omitzero"`
	// DBVersions fingerprints the databases the verdict was made with.
	DBVersions string          `json:"db_versions,omitempty"`
	Findings   []ports.Finding `json:"findings"`
	// Licenses are the licenses the packages inside declare.
	Licenses []ports.PackageLicense `json:"licenses"`
	// Acknowledged are findings an unexpired acknowledgement hides.
	Acknowledged []ports.Finding `json:"acknowledged"`
	Counts       Counts          `json:"counts"`
	Score        int             `json:"score"`
	Grade        string          `json:"grade"`
	// Download is what the policies answer for this artifact now.
	Download Decision `json:"download"`
}

// Decision is a policy's answer for one artifact.
type Decision struct {
	Allowed     bool   `json:"allowed"`
	Reason      string `json:"reason,omitempty"`
	Quarantined bool   `json:"quarantined"`
}

// maxListed bounds the artifacts one dashboard or listing reads.
const maxListed = 10_000

func (s *Service) repo(ctx context.Context, key string) (ports.Repository, error) {
	r, err := s.d.Repos.GetRepository(ctx, key)
	if err != nil {
		return r, fmt.Errorf("scan: repository %q: %w", key, err)
	}
	return r, nil
}

// Artifact returns the security report of one stored file.
func (s *Service) Artifact(ctx context.Context, repoKey, path string) (Report, error) {
	r, err := s.repo(ctx, repoKey)
	if err != nil {
		return Report{}, err
	}
	sf, err := s.d.Records.ScannedFile(ctx, r.ID, path)
	if err != nil {
		return Report{}, fmt.Errorf("scan: artifact %q: %w", path, err)
	}
	return s.report(ctx, sf)
}

func (s *Service) report(ctx context.Context, sf ports.ScannedFile) (Report, error) {
	acks, err := s.activeAcks(ctx)
	if err != nil {
		return Report{}, err
	}
	p, err := s.Policy(ctx, sf.RepositoryID)
	if err != nil {
		return Report{}, err
	}
	open := Open(sf.Result.Findings, sf.RepositoryID, acks)
	rep := Report{Repository: sf.Repository, Path: sf.Path, SHA256: sf.Digest, Status: sf.Result.Status,
		Scanners: sf.Result.Scanners, Error: sf.Result.Error, ScannedAt: sf.Result.ScannedAt, DBVersions: sf.Result.DBVersions,
		Findings: nonNil(open), Acknowledged: []ports.Finding{}, Counts: Count(open), Licenses: sf.Result.Licenses}
	if rep.Licenses == nil {
		rep.Licenses = []ports.PackageLicense{}
	}
	if rep.Status == "" {
		rep.Status = ports.ScanNotScanned
	}
	for _, f := range sf.Result.Findings {
		if acked(f, sf.RepositoryID, acks) {
			rep.Acknowledged = append(rep.Acknowledged, f)
		}
	}
	rep.Score = Score(rep.Counts)
	rep.Grade = Grade(rep.Score)
	rep.Download.Allowed, rep.Download.Reason = Decide(p, sf, open)
	if rep.Download.Allowed {
		reason, err := s.gateRefusal(ctx, p, sf, open)
		if err != nil {
			return Report{}, err
		}
		rep.Download.Allowed, rep.Download.Reason = reason == "", reason
	}
	rep.Download.Quarantined = !rep.Download.Allowed && strings.HasPrefix(rep.Download.Reason, "quarantined")
	return rep, nil
}

func nonNil(f []ports.Finding) []ports.Finding {
	if f == nil {
		return []ports.Finding{}
	}
	return f
}

// Rescan queues one artifact's content to be scanned again.
func (s *Service) Rescan(ctx context.Context, by ports.Subject, repoKey, path string) error {
	r, err := s.repo(ctx, repoKey)
	if err != nil {
		return err
	}
	err = s.d.Queue.EnqueueScan(ctx, r.ID, path)
	s.d.Audit.By(ctx, by, "security.scan", repoKey+"/"+path, outcome(err), "")
	if err != nil {
		return fmt.Errorf("scan: rescan %q: %w", path, err)
	}
	return nil
}

// Release lets a quarantined artifact (its current content) be downloaded.
func (s *Service) Release(ctx context.Context, by ports.Subject, repoKey, path string) error {
	r, err := s.repo(ctx, repoKey)
	if err != nil {
		return err
	}
	name, _ := audit.Actor(by)
	err = s.d.Records.Release(ctx, r.ID, path, name)
	s.d.Audit.By(ctx, by, "security.quarantine.release", repoKey+"/"+path, outcome(err), "")
	if err != nil {
		return fmt.Errorf("scan: release %q: %w", path, err)
	}
	return nil
}

// SetPolicy stores the policy of a repository ("" sets the global one).
func (s *Service) SetPolicy(ctx context.Context, by ports.Subject, repoKey string, p ports.ScanPolicy) (ports.ScanPolicy, error) {
	if p.BlockSeverity != "" && !ValidSeverity(p.BlockSeverity) {
		return p, ports.Invalidf("block_severity", "%q is not one of CRITICAL, HIGH, MEDIUM, LOW", p.BlockSeverity)
	}
	deny, err := ValidLicenses(p.DenyLicenses)
	if err != nil {
		return p, err
	}
	p.DenyLicenses = deny
	if p.Gate != "" {
		if _, err := s.d.Settings.QualityGate(ctx, p.Gate); errors.Is(err, ports.ErrNotFound) {
			return p, ports.Invalidf("quality_gate", "no quality gate %q", p.Gate)
		} else if err != nil {
			return p, err
		}
	}
	target := "global"
	p.RepositoryID = 0
	if repoKey != "" {
		r, err := s.repo(ctx, repoKey)
		if err != nil {
			return p, err
		}
		p.RepositoryID, target = r.ID, repoKey
	}
	err = s.d.Settings.PutScanPolicy(ctx, p)
	s.d.Audit.By(ctx, by, "security.policy.set", target, outcome(err),
		fmt.Sprintf("enabled=%t block_severity=%s block_unscanned=%t quarantine=%t deny_licenses=%s quality_gate=%s", p.Enabled,
			p.BlockSeverity, p.BlockUnscanned, p.Quarantine, strings.Join(p.DenyLicenses, ","), p.Gate))
	if err != nil {
		return p, err
	}
	s.Forget()
	return s.d.Settings.ScanPolicy(ctx, p.RepositoryID)
}

// GetPolicy returns the stored policy of a repository ("": the global one).
func (s *Service) GetPolicy(ctx context.Context, repoKey string) (ports.ScanPolicy, error) {
	if repoKey == "" {
		return s.d.Settings.ScanPolicy(ctx, 0)
	}
	r, err := s.repo(ctx, repoKey)
	if err != nil {
		return ports.ScanPolicy{}, err
	}
	return s.d.Settings.ScanPolicy(ctx, r.ID)
}

// maxAck bounds how long an acknowledgement may last.
const maxAck = 366 * 24 * time.Hour

// Acknowledge hides a finding (by vulnerability ID) in a repository (""
// for every repository) until expires, for reason.
func (s *Service) Acknowledge(ctx context.Context, by ports.Subject, repoKey, vulnID, reason string, expires time.Time) (ports.ScanAck, error) {
	now := s.d.Clock.Now()
	switch {
	case strings.TrimSpace(vulnID) == "" || len(vulnID) > 200:
		return ports.ScanAck{}, ports.Invalidf("vulnerability_id", "must be 1 to 200 characters")
	case strings.TrimSpace(reason) == "" || len(reason) > 2000:
		return ports.ScanAck{}, ports.Invalidf("reason", "must be 1 to 2000 characters")
	case !expires.After(now) || expires.Sub(now) > maxAck:
		return ports.ScanAck{}, ports.Invalidf("expires_at", "must be in the future and within a year")
	}
	name, _ := audit.Actor(by)
	a := ports.ScanAck{VulnID: vulnID, Reason: reason, CreatedBy: name, ExpiresAt: expires, Repository: repoKey}
	if repoKey != "" {
		r, err := s.repo(ctx, repoKey)
		if err != nil {
			return a, err
		}
		a.RepositoryID = r.ID
	}
	err := s.d.Settings.AddAck(ctx, &a)
	s.d.Audit.By(ctx, by, "security.finding.acknowledge", vulnID, outcome(err), reason)
	s.Forget()
	return a, err
}

// Unacknowledge removes an acknowledgement.
func (s *Service) Unacknowledge(ctx context.Context, by ports.Subject, id int64) error {
	err := s.d.Settings.DeleteAck(ctx, id)
	s.d.Audit.By(ctx, by, "security.finding.unacknowledge", fmt.Sprint(id), outcome(err), "")
	s.Forget()
	return err
}

// Acks lists the unexpired acknowledgements.
func (s *Service) Acks(ctx context.Context) ([]ports.ScanAck, error) {
	return s.d.Settings.Acks(ctx, s.d.Clock.Now())
}

func outcome(err error) string {
	if err != nil {
		return audit.Failure
	}
	return audit.Success
}
