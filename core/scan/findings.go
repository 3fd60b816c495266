package scan

import (
	"slices"
	"sort"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// severityRank orders severities: higher is worse; unknown is 0.
var severityRank = map[string]int{ports.SeverityLow: 1, ports.SeverityMedium: 2, ports.SeverityHigh: 3, ports.SeverityCritical: 4}

// NormalizeSeverity maps a scanner's severity word onto ports.Severity*.
func NormalizeSeverity(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "NEGLIGIBLE" {
		return ports.SeverityLow
	}
	if _, ok := severityRank[s]; ok {
		return s
	}
	return ports.SeverityUnknown
}

// ValidSeverity reports whether s is one of the four graded severities.
func ValidSeverity(s string) bool { _, ok := severityRank[s]; return ok }

// AtLeast reports whether severity s is at or above threshold.
func AtLeast(s, threshold string) bool {
	return severityRank[s] > 0 && severityRank[s] >= severityRank[threshold]
}

// Merge joins the reports of several scanners into one list: findings of
// the same package (the same package URL, or the same name and installed
// version) whose IDs or aliases meet are one finding (IDs and aliases
// unioned, the worst severity, every source kept). Scanners name some
// packages differently (a jar is "group:artifact" to Trivy, "artifact" to
// Grype) but give them the same package URL.
func Merge(reports []ports.ScanReport) []ports.Finding {
	var out []ports.Finding
	for _, r := range reports {
		for _, f := range r.Findings {
			f.Severity = NormalizeSeverity(f.Severity)
			f.Sources = []string{r.Scanner}
			if i := match(out, f); i >= 0 {
				out[i] = join(out[i], f)
				continue
			}
			out = append(out, f)
		}
	}
	for i := range out {
		sort.Strings(out[i].Aliases)
		out[i].Aliases = slices.Compact(out[i].Aliases)
		sort.Strings(out[i].Sources)
		out[i].Sources = slices.Compact(out[i].Sources)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if severityRank[a.Severity] != severityRank[b.Severity] {
			return severityRank[a.Severity] > severityRank[b.Severity]
		}
		if a.Package != b.Package {
			return a.Package < b.Package
		}
		return a.ID < b.ID
	})
	return out
}

func ids(f ports.Finding) []string { return append([]string{f.ID}, f.Aliases...) }

func match(list []ports.Finding, f ports.Finding) int {
	for i, g := range list {
		if !samePackage(g, f) {
			continue
		}
		for _, a := range ids(g) {
			if slices.Contains(ids(f), a) {
				return i
			}
		}
	}
	return -1
}

// samePackage reports whether two findings are about the same package.
func samePackage(a, b ports.Finding) bool {
	if a.PURL != "" && b.PURL != "" && strings.EqualFold(purlKey(a.PURL), purlKey(b.PURL)) {
		return true
	}
	return strings.EqualFold(a.Package, b.Package) && a.Installed == b.Installed
}

// purlKey is a package URL without its qualifiers and subpath
// (pkg:type/namespace/name@version?qualifiers#subpath,
// https://github.com/package-url/purl-spec): scanners add different ones.
func purlKey(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	return p
}

func join(a, b ports.Finding) ports.Finding {
	for _, id := range ids(b) {
		if id != a.ID {
			a.Aliases = append(a.Aliases, id)
		}
	}
	if severityRank[b.Severity] > severityRank[a.Severity] {
		a.Severity = b.Severity
	}
	if a.Fixed == "" {
		a.Fixed = b.Fixed
	}
	if a.Title == "" {
		a.Title = b.Title
	}
	if a.PURL == "" {
		a.PURL = b.PURL
	}
	// The more qualified name ("group:artifact" over "artifact") stays,
	// whichever scanner reported first.
	if len(b.Package) > len(a.Package) {
		a.Package = b.Package
	}
	a.Sources = append(a.Sources, b.Sources...)
	return a
}

// Open drops the findings acknowledged by acks for the repository
// (acknowledgements of repository 0 apply everywhere); acks must not have
// expired.
func Open(findings []ports.Finding, repositoryID int64, acks []ports.ScanAck) []ports.Finding {
	var out []ports.Finding
	for _, f := range findings {
		if !acked(f, repositoryID, acks) {
			out = append(out, f)
		}
	}
	return out
}

func acked(f ports.Finding, repositoryID int64, acks []ports.ScanAck) bool {
	for _, a := range acks {
		if a.RepositoryID != 0 && a.RepositoryID != repositoryID {
			continue
		}
		if slices.Contains(ids(f), a.VulnID) {
			return true
		}
	}
	return false
}
