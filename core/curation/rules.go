package curation

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/core/scan"
	"github.com/keeper-registry/keeper/ports"
)

// Rule names a refusal records (CurationBlock.Rule).
const (
	RuleBlock     = "block"
	RuleMalicious = "malicious"
	RuleLicense   = "license"
	RuleMinAge    = "min_age"
	RuleSeverity  = "severity"
)

// Facts are what the rules look at besides the candidate: the
// known-malicious list and the verdict Keeper holds for the content
// (nil: none yet).
type Facts struct {
	Malicious []ports.MaliciousPackage
	Verdict   *ports.ScanResult
	Now       time.Time
}

// Refused is a fetch a rule stopped; Reason is for the client.
type Refused struct {
	Rule   string
	Reason string
}

func (r *Refused) Error() string { return r.Reason }

// Refusal is the reason for the client (core/dispatch answers it 403 in
// the format's own error body).
func (r *Refused) Refusal() string { return r.Reason }

// Decide applies the global and the repository's rule sets to c: nil when
// c may enter the cache, else the first rule that refuses it. An allow
// entry of either set lets c through every rule.
func Decide(global, repo ports.CurationRules, c ports.CurationCandidate, f Facts) *Refused {
	if matchAny(append(slices.Clone(global.Allow), repo.Allow...), c) {
		return nil
	}
	id := c.Name
	if c.Version != "" {
		id += "@" + c.Version
	}
	for _, p := range append(slices.Clone(global.Block), repo.Block...) {
		if Match(p, c.Name, c.Version) {
			return &Refused{RuleBlock, fmt.Sprintf("blocked by curation: %s matches the blocked pattern %q", id, p)}
		}
	}
	if malicious(global) && malicious(repo) {
		if m := maliciousEntry(f.Malicious, c); m != nil {
			return &Refused{RuleMalicious, fmt.Sprintf("blocked by curation: %s is a known malicious package (%s)", id, m.Reason)}
		}
	}
	if l, d := deniedLicense(append(slices.Clone(global.DenyLicenses), repo.DenyLicenses...), c.Licenses); d != "" {
		return &Refused{RuleLicense, fmt.Sprintf("blocked by curation: %s is licensed %s (%s is denied)", id, l, d)}
	}
	if age := max(global.MinAgeSeconds, repo.MinAgeSeconds); age > 0 && !c.Published.IsZero() {
		minAge := time.Duration(age) * time.Second
		if old := f.Now.Sub(c.Published); old < minAge {
			return &Refused{RuleMinAge, fmt.Sprintf("blocked by curation: %s was published %s ago (at least %s required)",
				id, old.Truncate(time.Second), minAge)}
		}
	}
	if f.Verdict != nil {
		if fd := above(f.Verdict.Findings, stricter(global.MaxSeverity, repo.MaxSeverity)); fd != nil {
			return &Refused{RuleSeverity, fmt.Sprintf("blocked by curation: %s %s in %s %s (above %s)", fd.Severity, fd.ID,
				fd.Package, fd.Installed, stricter(global.MaxSeverity, repo.MaxSeverity))}
		}
	}
	return nil
}

// Active reports whether a rule set can refuse anything besides the
// malicious list.
func Active(r ports.CurationRules) bool {
	return len(r.Block) > 0 || len(r.DenyLicenses) > 0 || r.MinAgeSeconds > 0 || r.MaxSeverity != ""
}

func malicious(r ports.CurationRules) bool { return r.Malicious == nil || *r.Malicious }

func matchAny(patterns []string, c ports.CurationCandidate) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return Match(p, c.Name, c.Version) })
}

func maliciousEntry(list []ports.MaliciousPackage, c ports.CurationCandidate) *ports.MaliciousPackage {
	for i, m := range list {
		if strings.EqualFold(m.Name, c.Name) && (len(m.Versions) == 0 || slices.Contains(m.Versions, c.Version)) {
			return &list[i]
		}
	}
	return nil
}

// deniedLicense returns the declared license and the denied SPDX id in it
// (an expression is denied when any id in it is), "" when none is.
func deniedLicense(deny, licenses []string) (string, string) {
	for _, l := range licenses {
		for _, id := range strings.FieldsFunc(l, func(r rune) bool { return r == ' ' || r == '(' || r == ')' || r == ',' }) {
			for _, d := range deny {
				if strings.EqualFold(id, d) {
					return l, d
				}
			}
		}
	}
	return "", ""
}

// stricter is the lower of two maximum severities ("" is no bound).
func stricter(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	case scan.AtLeast(a, b):
		return b
	}
	return a
}

// above returns the worst finding above the maximum severity, nil when
// none is or there is no maximum.
func above(findings []ports.Finding, maxSev string) *ports.Finding {
	if maxSev == "" {
		return nil
	}
	var worst *ports.Finding
	for i, f := range findings {
		if scan.AtLeast(f.Severity, maxSev) && f.Severity != maxSev && (worst == nil || scan.AtLeast(f.Severity, worst.Severity)) {
			worst = &findings[i]
		}
	}
	return worst
}
