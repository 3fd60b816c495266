package scan

import (
	"fmt"
	"slices"

	"github.com/keeper-registry/keeper/ports"
)

// Effective combines the global policy with a repository's: a block or a
// quarantine set in either applies, the stricter severity wins, and
// scanning runs only when both enable it.
func Effective(global, repo ports.ScanPolicy) ports.ScanPolicy {
	p := repo
	p.Enabled = global.Enabled && repo.Enabled
	p.BlockUnscanned = global.BlockUnscanned || repo.BlockUnscanned
	p.Quarantine = global.Quarantine || repo.Quarantine
	if p.BlockSeverity == "" || (global.BlockSeverity != "" && severityRank[global.BlockSeverity] < severityRank[p.BlockSeverity]) {
		p.BlockSeverity = global.BlockSeverity
	}
	p.DenyLicenses = append(slices.Clone(global.DenyLicenses), repo.DenyLicenses...)
	if p.Gate == "" {
		p.Gate = global.Gate
	}
	return p
}

// Enforces reports whether p can refuse any download at all (a policy
// that blocks nothing needs no lookup per download).
func Enforces(p ports.ScanPolicy) bool {
	return p.BlockSeverity != "" || p.BlockUnscanned || p.Quarantine || len(p.DenyLicenses) > 0 || p.Gate != ""
}

// Decide answers whether a download of f is allowed under p with the open
// (not acknowledged) findings, and the reason when it is not.
func Decide(p ports.ScanPolicy, f ports.ScannedFile, open []ports.Finding) (bool, string) {
	verdict := f.Result.Status == ports.ScanDone
	if p.Quarantine && !f.Released {
		switch {
		case !verdict:
			return false, "quarantined until its security scan is clean or an administrator releases it"
		case blocking(p, open) != nil:
			b := blocking(p, open)
			return false, fmt.Sprintf("quarantined: %s %s in %s %s", b.Severity, b.ID, b.Package, b.Installed)
		}
	}
	if p.BlockUnscanned && !verdict && !f.Released {
		return false, "blocked by security policy: not scanned"
	}
	if l, id := deniedLicense(p.DenyLicenses, f.Result.Licenses); l != nil {
		return false, licenseReason(l, id)
	}
	if p.BlockSeverity != "" {
		for _, x := range open {
			if AtLeast(x.Severity, p.BlockSeverity) {
				return false, fmt.Sprintf("blocked by security policy: %s %s in %s %s (at or above %s)",
					x.Severity, x.ID, x.Package, x.Installed, p.BlockSeverity)
			}
		}
	}
	return true, ""
}

// blocking is the first open finding that keeps a quarantined file held:
// one at or above the block severity, or any graded one when none is set.
func blocking(p ports.ScanPolicy, open []ports.Finding) *ports.Finding {
	for i, x := range open {
		if p.BlockSeverity == "" && ValidSeverity(x.Severity) || AtLeast(x.Severity, p.BlockSeverity) {
			return &open[i]
		}
	}
	return nil
}
