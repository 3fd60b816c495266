package curation

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// memStore is an in-memory ports.CurationStore for the service's tests.
type memStore struct {
	rules  map[int64]ports.CurationRules
	mal    []ports.MaliciousPackage
	blocks []ports.CurationBlock
}

func (m *memStore) CurationRules(_ context.Context, id int64) (ports.CurationRules, error) {
	r := m.rules[id]
	r.RepositoryID = id
	return r, nil
}
func (m *memStore) PutCurationRules(_ context.Context, r ports.CurationRules) error {
	m.rules[r.RepositoryID] = r
	return nil
}
func (m *memStore) PutMalicious(_ context.Context, es []ports.MaliciousPackage) error {
	m.mal = append(m.mal, es...)
	return nil
}
func (m *memStore) MaliciousList(context.Context, int) ([]ports.MaliciousPackage, error) {
	return m.mal, nil
}
func (m *memStore) DeleteMalicious(context.Context, int64) error { return ports.ErrNotFound }
func (m *memStore) AddCurationBlock(_ context.Context, b *ports.CurationBlock) error {
	b.ID = int64(len(m.blocks) + 1)
	m.blocks = append(m.blocks, *b)
	return nil
}
func (m *memStore) CurationBlocks(context.Context, int64, int64, int) ([]ports.CurationBlock, error) {
	return m.blocks, nil
}

type fixedClock struct{}

func (fixedClock) Now() time.Time { return now }

type auditLog struct{ actions []string }

func (a *auditLog) AppendAudit(_ context.Context, e *ports.AuditEvent) error {
	a.actions = append(a.actions, e.Action+" "+e.Outcome)
	return nil
}
func (a *auditLog) ListAudit(context.Context, ports.AuditFilter, ports.Page) ([]ports.AuditEvent, int, error) {
	return nil, 0, nil
}

type verdicts map[string]ports.ScanResult

func (v verdicts) ScanResult(_ context.Context, d string) (ports.ScanResult, error) {
	r, ok := v[d]
	if !ok {
		return r, ports.ErrNotFound
	}
	return r, nil
}

func TestServiceAdmit(t *testing.T) {
	ctx := context.Background()
	st := &memStore{rules: map[int64]ports.CurationRules{}}
	al := &auditLog{}
	vs := verdicts{"bad": {Status: ports.ScanDone, Findings: []ports.Finding{{ID: "CVE-9", Severity: ports.SeverityCritical}}}}
	s := New(Deps{Store: st, Verdicts: vs, Clock: fixedClock{}, Audit: audit.New(al, fixedClock{})})
	if s.Curates(ctx, 1) {
		t.Fatal("curates with no rules and an empty list")
	}
	if _, err := s.AddMalicious(ctx, ports.Subject{Username: "admin"}, []ports.MaliciousPackage{{Name: "evil"}}); err != nil {
		t.Fatal(err)
	}
	if !s.Curates(ctx, 1) {
		t.Fatal("a malicious entry does not make the repository curated")
	}
	var refused *Refused
	if err := s.Admit(ctx, ports.Subject{}, cand("evil", "1.0.0")); !errors.As(err, &refused) || refused.Rule != RuleMalicious {
		t.Fatalf("evil admitted: %v", err)
	}
	if err := s.Admit(ctx, ports.Subject{}, cand("good", "1.0.0")); err != nil {
		t.Fatalf("good refused: %v", err)
	}
	if _, err := s.SetRules(ctx, ports.Subject{}, "", ports.CurationRules{MaxSeverity: "high"}); err != nil {
		t.Fatal(err)
	}
	c := cand("good", "1.0.0")
	c.Digest = "bad"
	if err := s.Admit(ctx, ports.Subject{}, c); !errors.As(err, &refused) || refused.Rule != RuleSeverity {
		t.Fatalf("critical content admitted: %v", err)
	}
	c.Digest = "unknown"
	if err := s.Admit(ctx, ports.Subject{}, c); err != nil {
		t.Fatalf("content without a verdict refused: %v", err)
	}
	if len(st.blocks) != 2 || st.blocks[0].Package != "evil" || st.blocks[0].Rule != RuleMalicious || st.blocks[1].Rule != RuleSeverity ||
		st.blocks[0].Repository != "npm-remote" || st.blocks[0].Version != "1.0.0" {
		t.Fatalf("blocks = %+v", st.blocks)
	}
	want := []string{"curation.malicious.add success", "curation.blocked denied", "curation.rules.set success", "curation.blocked denied"}
	if len(al.actions) != len(want) {
		t.Fatalf("audit = %v, want %v", al.actions, want)
	}
	for i := range want {
		if al.actions[i] != want[i] {
			t.Fatalf("audit = %v, want %v", al.actions, want)
		}
	}
}

func TestSetRulesValidates(t *testing.T) {
	s := New(Deps{Store: &memStore{rules: map[int64]ports.CurationRules{}}, Clock: fixedClock{}})
	for _, r := range []ports.CurationRules{{MaxSeverity: "SEVERE"}, {MinAgeSeconds: -1}, {Block: []string{"  "}}, {DenyLicenses: []string{"not a license"}}} {
		if _, err := s.SetRules(context.Background(), ports.Subject{}, "", r); !errors.Is(err, ports.ErrInvalid) {
			t.Errorf("SetRules(%+v) = %v, want ErrInvalid", r, err)
		}
	}
}
