package scan

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// Blocked is a download a scan policy refuses; Reason is for the client.
type Blocked struct{ Reason string }

func (b *Blocked) Error() string { return b.Reason }

// Refusal is the reason for the client (core/dispatch.DownloadGate).
func (b *Blocked) Refusal() string { return b.Reason }

// HasLayout reports whether a file's metadata asks for scanning; policies
// apply to such files only (indexes and other documents pass).
func HasLayout(metadata []byte) bool { return layoutOf(metadata) != nil }

// layoutOf returns the "scan" member of file metadata, nil without one.
func layoutOf(metadata []byte) json.RawMessage {
	if !strings.Contains(string(metadata), `"scan"`) {
		return nil
	}
	var m struct {
		Scan json.RawMessage `json:"scan"`
	}
	if json.Unmarshal(metadata, &m) != nil || len(m.Scan) == 0 || string(m.Scan) == "null" {
		return nil
	}
	return m.Scan
}

// CheckDownload answers nil when the policies let f be downloaded, else a
// *Blocked with the reason (recorded in the audit log). A policy that
// blocks nothing costs no lookup.
func (s *Service) CheckDownload(ctx context.Context, by ports.Subject, f ports.File) error {
	if !strings.Contains(string(f.Metadata), `"scan"`) && !strings.Contains(string(f.Metadata), aliasKey) {
		return nil
	}
	// The policy (cached) is asked before the metadata is decoded: with
	// none that blocks, a download costs no parse.
	p, err := s.Policy(ctx, f.RepositoryID)
	if err == nil && !Enforces(p) {
		return nil
	}
	if alias := AliasOf(f.Metadata); alias != "" {
		// Judged as the file it stands for (alias.go).
		if err != nil {
			return err
		}
		t, ok, err := s.judged(ctx, f)
		if err != nil {
			return err
		}
		if !ok {
			reason := "blocked by security policy: " + f.Path + " stands for " + alias + ", which is no longer stored"
			s.d.Audit.By(ctx, by, "security.download.blocked", f.Path, audit.Denied, reason)
			return &Blocked{Reason: reason}
		}
		f = t
	}
	if !HasLayout(f.Metadata) {
		return nil
	}
	if err != nil {
		return err
	}
	sf, err := s.d.Records.ScannedFile(ctx, f.RepositoryID, f.Path)
	if err != nil {
		return err
	}
	acks, err := s.activeAcks(ctx)
	if err != nil {
		return err
	}
	open := Open(sf.Result.Findings, f.RepositoryID, acks)
	ok, reason := Decide(p, sf, open)
	if ok {
		if reason, err = s.gateRefusal(ctx, p, sf, open); err != nil || reason == "" {
			return err
		}
	}
	s.d.Audit.By(ctx, by, "security.download.blocked", sf.Repository+"/"+f.Path, audit.Denied, reason)
	return &Blocked{Reason: reason}
}

// Policy returns the effective policy of a repository (its own combined
// with the global one), cached for settingsTTL.
func (s *Service) Policy(ctx context.Context, repositoryID int64) (ports.ScanPolicy, error) {
	g, err := s.policy(ctx, 0)
	if err != nil {
		return g, err
	}
	r, err := s.policy(ctx, repositoryID)
	if err != nil {
		return r, err
	}
	return Effective(g, r), nil
}

func (s *Service) policy(ctx context.Context, id int64) (ports.ScanPolicy, error) {
	now := s.d.Clock.Now()
	s.mu.Lock()
	c, ok := s.policies[id]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < settingsTTL {
		return c.p, nil
	}
	p, err := s.d.Settings.ScanPolicy(ctx, id)
	if err != nil {
		return p, err
	}
	s.mu.Lock()
	s.policies[id] = cachedPolicy{p: p, at: now}
	s.mu.Unlock()
	return p, nil
}

func (s *Service) activeAcks(ctx context.Context) ([]ports.ScanAck, error) {
	now := s.d.Clock.Now()
	s.mu.Lock()
	acks, at := s.acks, s.acksAt
	s.mu.Unlock()
	if !at.IsZero() && now.Sub(at) < settingsTTL {
		return acks, nil
	}
	acks, err := s.d.Settings.Acks(ctx, now)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.acks, s.acksAt = acks, now
	s.mu.Unlock()
	return acks, nil
}

// cachedGate returns a quality gate, cached for settingsTTL.
func (s *Service) cachedGate(ctx context.Context, name string) (ports.QualityGate, error) {
	now := s.d.Clock.Now()
	s.mu.Lock()
	c, ok := s.gates[name]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < settingsTTL {
		return c.g, c.err
	}
	g, err := s.d.Settings.QualityGate(ctx, name)
	if err != nil && !errors.Is(err, ports.ErrNotFound) {
		return g, err
	}
	s.mu.Lock()
	s.gates[name] = cachedGate{g: g, err: err, at: now}
	s.mu.Unlock()
	return g, err
}

// Forget drops this replica's cached policies, gates and acknowledgements
// (after this replica changed them).
func (s *Service) Forget() {
	s.mu.Lock()
	s.policies = map[int64]cachedPolicy{}
	s.gates = map[string]cachedGate{}
	s.acksAt = time.Time{}
	s.mu.Unlock()
}

// HoldsUnscanned reports whether the policies of a repository refuse a
// file without a verdict (block_unscanned or quarantine), so a file
// fetched from an upstream must pass the gate before any byte is sent
// (core/dispatch). A policy that cannot be read holds.
func (s *Service) HoldsUnscanned(ctx context.Context, repositoryID int64) bool {
	p, err := s.Policy(ctx, repositoryID)
	return err != nil || p.BlockUnscanned || p.Quarantine
}
