package curation

import (
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

var now = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func cand(name, version string) ports.CurationCandidate {
	return ports.CurationCandidate{RepositoryID: 1, Repository: "npm-remote", Path: name + "/-/x.tgz", Name: name, Version: version,
		Published: now.Add(-30 * 24 * time.Hour)}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, name, version string
		want                   bool
	}{
		{"left-pad", "left-pad", "1.0.0", true},
		{"left-pad", "Left-Pad", "9.9.9", true},
		{"left-*", "left-pad", "1.0.0", true},
		{"left-*", "right-pad", "1.0.0", false},
		{"left-pad@1.*", "left-pad", "1.3.0", true},
		{"left-pad@1.*", "left-pad", "2.0.0", false},
		{"@evil/*", "@evil/pkg", "1.0.0", true},
		{"@evil/*@0.0.?", "@evil/pkg", "0.0.7", true},
		{"@evil/*@0.0.?", "@evil/pkg", "0.0.17", false},
		{"*", "anything", "", true},
		{"a*b*c", "aXXbYYc", "", true},
		{"a*b*c", "aXXbYY", "", false},
	} {
		if got := Match(tc.pattern, tc.name, tc.version); got != tc.want {
			t.Errorf("Match(%q, %q, %q) = %t, want %t", tc.pattern, tc.name, tc.version, got, tc.want)
		}
	}
}

func TestDecide(t *testing.T) {
	off := false
	verdict := &ports.ScanResult{Status: ports.ScanDone, Findings: []ports.Finding{
		{ID: "CVE-1", Package: "p", Installed: "1", Severity: ports.SeverityMedium},
		{ID: "CVE-2", Package: "p", Installed: "1", Severity: ports.SeverityHigh}}}
	mal := []ports.MaliciousPackage{{Name: "evil", Reason: "steals tokens"}, {Name: "once-bad", Versions: []string{"1.0.1"}, Reason: "hijacked release"}}
	for _, tc := range []struct {
		name         string
		global, repo ports.CurationRules
		c            ports.CurationCandidate
		f            Facts
		rule, reason string // rule "" means admitted
	}{
		{name: "no rules admit", c: cand("pkg", "1.0.0")},
		{name: "block pattern", repo: ports.CurationRules{Block: []string{"pk?"}}, c: cand("pkg", "1.0.0"), rule: RuleBlock, reason: `pkg@1.0.0 matches the blocked pattern "pk?"`},
		{name: "global block pattern", global: ports.CurationRules{Block: []string{"pkg@1.*"}}, c: cand("pkg", "1.0.0"), rule: RuleBlock},
		{name: "block pattern of another version", global: ports.CurationRules{Block: []string{"pkg@2.*"}}, c: cand("pkg", "1.0.0")},
		{name: "allow beats block", global: ports.CurationRules{Block: []string{"pkg"}}, repo: ports.CurationRules{Allow: []string{"pkg@1.0.0"}}, c: cand("pkg", "1.0.0")},
		{name: "malicious every version", c: cand("evil", "3.0.0"), f: Facts{Malicious: mal}, rule: RuleMalicious, reason: "known malicious package (steals tokens)"},
		{name: "malicious one version", c: cand("once-bad", "1.0.1"), f: Facts{Malicious: mal}, rule: RuleMalicious},
		{name: "malicious other version passes", c: cand("once-bad", "1.0.2"), f: Facts{Malicious: mal}},
		{name: "malicious list switched off", repo: ports.CurationRules{Malicious: &off}, c: cand("evil", "1"), f: Facts{Malicious: mal}},
		{name: "allow beats malicious", repo: ports.CurationRules{Allow: []string{"evil"}}, c: cand("evil", "1"), f: Facts{Malicious: mal}},
		{name: "license denied", repo: ports.CurationRules{DenyLicenses: []string{"gpl-3.0-only"}},
			c: func() ports.CurationCandidate {
				c := cand("pkg", "1")
				c.Licenses = []string{"(MIT OR GPL-3.0-only)"}
				return c
			}(),
			rule: RuleLicense, reason: "licensed (MIT OR GPL-3.0-only) (gpl-3.0-only is denied)"},
		{name: "license allowed", repo: ports.CurationRules{DenyLicenses: []string{"GPL-3.0-only"}},
			c: func() ports.CurationCandidate { c := cand("pkg", "1"); c.Licenses = []string{"MIT"}; return c }()},
		{name: "too young", global: ports.CurationRules{MinAgeSeconds: 3600}, repo: ports.CurationRules{MinAgeSeconds: 60 * 24 * 3600},
			c: cand("pkg", "1"), rule: RuleMinAge, reason: "published 720h0m0s ago (at least 1440h0m0s required)"},
		{name: "old enough", global: ports.CurationRules{MinAgeSeconds: 3600}, c: cand("pkg", "1")},
		{name: "unknown publication passes the age rule", global: ports.CurationRules{MinAgeSeconds: 3600},
			c: func() ports.CurationCandidate { c := cand("pkg", "1"); c.Published = time.Time{}; return c }()},
		{name: "severity above maximum", repo: ports.CurationRules{MaxSeverity: ports.SeverityMedium}, c: cand("pkg", "1"),
			f: Facts{Verdict: verdict}, rule: RuleSeverity, reason: "HIGH CVE-2 in p 1 (above MEDIUM)"},
		{name: "severity at maximum passes", repo: ports.CurationRules{MaxSeverity: ports.SeverityHigh}, c: cand("pkg", "1"), f: Facts{Verdict: verdict}},
		{name: "stricter maximum wins", global: ports.CurationRules{MaxSeverity: ports.SeverityLow}, repo: ports.CurationRules{MaxSeverity: ports.SeverityCritical},
			c: cand("pkg", "1"), f: Facts{Verdict: verdict}, rule: RuleSeverity},
		{name: "no verdict passes the severity rule", repo: ports.CurationRules{MaxSeverity: ports.SeverityLow}, c: cand("pkg", "1")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			f.Now = now
			got := Decide(tc.global, tc.repo, tc.c, f)
			if tc.rule == "" {
				if got != nil {
					t.Fatalf("refused: %+v", got)
				}
				return
			}
			if got == nil || got.Rule != tc.rule || !strings.Contains(got.Reason, tc.reason) || !strings.HasPrefix(got.Refusal(), "blocked by curation: ") {
				t.Fatalf("got %+v, want rule %s reason containing %q", got, tc.rule, tc.reason)
			}
		})
	}
}

func TestParseList(t *testing.T) {
	simple := `[{"name":"evil","reason":"typosquat"},{"name":"bad","versions":["1.0.0"]}]`
	l, err := ParseList([]byte(simple), "manual")
	if err != nil || len(l) != 2 || l[0].Name != "evil" || l[0].Reason != "typosquat" || l[1].Versions[0] != "1.0.0" || l[1].Source != "manual" {
		t.Fatalf("simple = %+v, %v", l, err)
	}
	osv := `{"id":"MAL-2026-1","summary":"Malicious code in evil-pkg","affected":[{"package":{"ecosystem":"npm","name":"evil-pkg"},"versions":["0.0.1"]},{"package":{"name":"evil-two"}}]}`
	l, err = ParseList([]byte(osv), "osv")
	if err != nil || len(l) != 2 || l[0].Name != "evil-pkg" || l[0].Reason != "MAL-2026-1 Malicious code in evil-pkg" || l[0].Versions[0] != "0.0.1" || l[1].Name != "evil-two" {
		t.Fatalf("osv = %+v, %v", l, err)
	}
	if _, err := ParseList([]byte(`nope`), ""); err == nil {
		t.Fatal("garbage parsed")
	}
}
