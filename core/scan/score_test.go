package scan

import (
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

func TestScoreAndGrade(t *testing.T) {
	for _, tc := range []struct {
		c     Counts
		score int
		grade string
	}{
		{Counts{}, 100, "A"},
		{Counts{Low: 10}, 90, "A"},
		{Counts{Low: 11}, 89, "B"},
		{Counts{High: 2, Medium: 1, Low: 2}, 75, "B"},
		{Counts{Critical: 1, Low: 1}, 74, "C"},
		{Counts{Critical: 2}, 50, "C"},
		{Counts{Critical: 2, Low: 1}, 49, "D"},
		{Counts{Critical: 3}, 25, "D"},
		{Counts{Critical: 3, Low: 1}, 24, "F"},
		{Counts{Critical: 10, High: 10}, 0, "F"},
		{Counts{Unknown: 50}, 100, "A"},
	} {
		if s := Score(tc.c); s != tc.score || Grade(s) != tc.grade {
			t.Errorf("%+v: score %d grade %s, want %d %s", tc.c, s, Grade(s), tc.score, tc.grade)
		}
	}
}

func TestMergeJoinsTheSameVulnerabilityAcrossScanners(t *testing.T) {
	trivy := ports.ScanReport{Scanner: "trivy", Findings: []ports.Finding{
		{ID: "CVE-2024-1", Package: "requests", Installed: "2.30.0", Fixed: "2.31.0", Severity: "HIGH", Title: "t"},
		{ID: "CVE-2024-2", Package: "other", Installed: "1.0", Severity: "low"},
	}}
	grype := ports.ScanReport{Scanner: "grype", Findings: []ports.Finding{
		{ID: "GHSA-xxxx", Aliases: []string{"CVE-2024-1"}, Package: "Requests", Installed: "2.30.0", Severity: "Critical"},
		// same ID, other installed version: a separate finding
		{ID: "CVE-2024-1", Package: "requests", Installed: "2.29.0", Severity: "High"},
		{ID: "CVE-2024-3", Package: "x", Installed: "1", Severity: "Negligible"},
	}}
	got := Merge([]ports.ScanReport{trivy, grype})
	if len(got) != 4 {
		t.Fatalf("merged into %d findings, want 4: %+v", len(got), got)
	}
	first := got[0]
	if first.ID != "CVE-2024-1" || first.Severity != "CRITICAL" || first.Fixed != "2.31.0" ||
		len(first.Sources) != 2 || len(first.Aliases) != 1 || first.Aliases[0] != "GHSA-xxxx" {
		t.Fatalf("joined finding %+v", first)
	}
	c := Count(got)
	if c != (Counts{Critical: 1, High: 1, Low: 2}) {
		t.Fatalf("counts %+v", c)
	}
}

func TestOpenDropsAcknowledgedFindingsOfTheRepository(t *testing.T) {
	fs := []ports.Finding{{ID: "CVE-1", Aliases: []string{"GHSA-1"}}, {ID: "CVE-2"}}
	acks := []ports.ScanAck{{RepositoryID: 7, VulnID: "GHSA-1"}, {RepositoryID: 0, VulnID: "CVE-2"}}
	if got := Open(fs, 7, acks); len(got) != 0 {
		t.Fatalf("repository 7: %+v", got)
	}
	if got := Open(fs, 8, acks); len(got) != 1 || got[0].ID != "CVE-1" {
		t.Fatalf("repository 8: %+v", got)
	}
}

func TestDecide(t *testing.T) {
	high := []ports.Finding{{ID: "CVE-1", Package: "p", Installed: "1", Severity: "HIGH"}}
	low := []ports.Finding{{ID: "CVE-2", Package: "p", Installed: "1", Severity: "LOW"}}
	done := ports.ScannedFile{Result: ports.ScanResult{Status: ports.ScanDone}}
	pending := ports.ScannedFile{Result: ports.ScanResult{Status: ports.ScanPending}}
	released := pending
	released.Released = true
	for _, tc := range []struct {
		name  string
		p     ports.ScanPolicy
		f     ports.ScannedFile
		open  []ports.Finding
		allow bool
	}{
		{"no policy", ports.ScanPolicy{}, pending, nil, true},
		{"block high, high found", ports.ScanPolicy{BlockSeverity: "HIGH"}, done, high, false},
		{"block critical, high found", ports.ScanPolicy{BlockSeverity: "CRITICAL"}, done, high, true},
		{"block medium, low found", ports.ScanPolicy{BlockSeverity: "MEDIUM"}, done, low, true},
		{"block unscanned, pending", ports.ScanPolicy{BlockUnscanned: true}, pending, nil, false},
		{"block unscanned, done", ports.ScanPolicy{BlockUnscanned: true}, done, nil, true},
		{"quarantine, pending", ports.ScanPolicy{Quarantine: true}, pending, nil, false},
		{"quarantine, clean", ports.ScanPolicy{Quarantine: true}, done, nil, true},
		{"quarantine, any finding holds", ports.ScanPolicy{Quarantine: true}, done, low, false},
		{"quarantine with threshold, below", ports.ScanPolicy{Quarantine: true, BlockSeverity: "HIGH"}, done, low, true},
		{"quarantine, released", ports.ScanPolicy{Quarantine: true}, released, nil, true},
		{"released, still above block", ports.ScanPolicy{Quarantine: true, BlockSeverity: "HIGH"}, ports.ScannedFile{Released: true, Result: ports.ScanResult{Status: ports.ScanDone}}, high, false},
	} {
		ok, reason := Decide(tc.p, tc.f, tc.open)
		if ok != tc.allow || (!ok && reason == "") {
			t.Errorf("%s: allowed %v (%q), want %v", tc.name, ok, reason, tc.allow)
		}
	}
}

func TestEffectiveTakesTheStricter(t *testing.T) {
	g := ports.ScanPolicy{Enabled: true, BlockSeverity: "CRITICAL", Quarantine: true}
	r := ports.ScanPolicy{Enabled: true, BlockSeverity: "HIGH"}
	if e := Effective(g, r); e.BlockSeverity != "HIGH" || !e.Quarantine || !e.Enabled {
		t.Fatalf("%+v", e)
	}
	r = ports.ScanPolicy{Enabled: false}
	if e := Effective(g, r); e.BlockSeverity != "CRITICAL" || e.Enabled {
		t.Fatalf("%+v", e)
	}
	g.BlockSeverity = "LOW"
	r.BlockSeverity = "HIGH"
	if e := Effective(g, r); e.BlockSeverity != "LOW" {
		t.Fatalf("%+v", e)
	}
}
