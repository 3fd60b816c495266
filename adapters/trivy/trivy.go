package trivy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/keeper-registry/keeper/adapters/lowprio"
	"github.com/keeper-registry/keeper/ports"
)

var (
	_ ports.Scanner    = (*Scanner)(nil)
	_ ports.SBOMWriter = (*Scanner)(nil)
	_ ports.SPDXWriter = (*Scanner)(nil)
)

// Config locates the program and its database.
type Config struct {
	// Path is the trivy program (looked up on PATH when it has no slash).
	Path string
	// CacheDir is TRIVY_CACHE_DIR: db/trivy.db and java-db/ live there.
	CacheDir string
	Timeout  time.Duration
	// MaxOutput caps the JSON report read from the program.
	MaxOutput int64
}

// Scanner is Trivy behind the Scanner port.
type Scanner struct{ cfg Config }

// New returns a Trivy scanner; a missing program is reported per scan.
func New(cfg Config) *Scanner {
	if cfg.Path == "" {
		cfg.Path = "trivy"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	if cfg.MaxOutput <= 0 {
		cfg.MaxOutput = 64 << 20
	}
	return &Scanner{cfg: cfg}
}

// Name is "trivy".
func (s *Scanner) Name() string { return "trivy" }

// Supports every mode: rootfs for unpacked packages, filesystem for
// lockfiles, image for image tarballs.
func (s *Scanner) Supports(mode string) bool {
	return mode == ports.ScanRootfs || mode == ports.ScanFilesystem || mode == ports.ScanImage
}

// Scan runs trivy over t and parses its JSON report. Only the offline
// database under CacheDir is used: every update and telemetry is off.
func (s *Scanner) Scan(ctx context.Context, t ports.ScanTarget) (ports.ScanReport, error) {
	out, err := s.run(ctx, "vuln,license", args(t, "json")...)
	if err != nil {
		return ports.ScanReport{}, err
	}
	f, l, err := ParseReport(out)
	return ports.ScanReport{Scanner: s.Name(), Findings: f, Licenses: l}, err
}

// SBOM returns a CycloneDX JSON document of the packages in t with their
// licenses (no vulnerability database needed).
func (s *Scanner) SBOM(ctx context.Context, t ports.ScanTarget) ([]byte, error) {
	return s.run(ctx, "license", args(t, "cyclonedx")...)
}

// SPDX returns an SPDX JSON document of the packages in t with their
// licenses (no vulnerability database needed).
func (s *Scanner) SPDX(ctx context.Context, t ports.ScanTarget) ([]byte, error) {
	return s.run(ctx, "license", args(t, "spdx-json")...)
}

func args(t ports.ScanTarget, format string) []string {
	switch t.Mode {
	case ports.ScanImage:
		return []string{"image", "--format", format, "--input", t.Path}
	case ports.ScanFilesystem:
		return []string{"filesystem", "--format", format, t.Path}
	}
	return []string{"rootfs", "--format", format, t.Path}
}

// run runs trivy with the scanners (TRIVY_SCANNERS: vuln reads the
// database, license reads the licenses packages declare and needs none).
func (s *Scanner) run(ctx context.Context, scanners string, args ...string) ([]byte, error) {
	out, err := lowprio.Output(ctx, lowprio.Command{Path: s.cfg.Path, Args: args, Timeout: s.cfg.Timeout, MaxOutput: s.cfg.MaxOutput,
		Env: []string{"TRIVY_CACHE_DIR=" + s.cfg.CacheDir,
			"TRIVY_SKIP_DB_UPDATE=true", "TRIVY_SKIP_JAVA_DB_UPDATE=true", "TRIVY_OFFLINE_SCAN=true",
			"TRIVY_NO_PROGRESS=true", "TRIVY_SKIP_VERSION_CHECK=true", "TRIVY_DISABLE_TELEMETRY=true",
			"TRIVY_SCANNERS=" + scanners, "TRIVY_QUIET=true"}})
	if errors.Is(err, lowprio.ErrMissing) {
		return nil, fmt.Errorf("trivy: %w", ports.ErrScannerMissing)
	}
	if err != nil {
		return nil, fmt.Errorf("trivy: %w", err)
	}
	return out, nil
}

// report is the part of Trivy's JSON report Keeper reads
// (https://trivy.dev/latest/docs/configuration/reporting/#json).
type report struct {
	Results []struct {
		Vulnerabilities []struct {
			VulnerabilityID  string
			VendorIDs        []string
			PkgName          string
			PkgIdentifier    struct{ PURL string }
			InstalledVersion string
			FixedVersion     string
			Severity         string
			Title            string
		}
		// Licenses are the license scanner's results
		// (https://trivy.dev/latest/docs/scanner/license/).
		Licenses []struct {
			PkgName  string
			Name     string
			Category string
		}
	}
}

// Parse reads findings from a Trivy JSON report.
func Parse(b []byte) ([]ports.Finding, error) {
	f, _, err := ParseReport(b)
	return f, err
}

// ParseReport reads findings and package licenses from a Trivy JSON report.
func ParseReport(b []byte) ([]ports.Finding, []ports.PackageLicense, error) {
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, nil, fmt.Errorf("trivy: parse report: %w", err)
	}
	out := []ports.Finding{}
	var lic []ports.PackageLicense
	for _, res := range r.Results {
		for _, v := range res.Vulnerabilities {
			out = append(out, ports.Finding{ID: v.VulnerabilityID, Aliases: v.VendorIDs, Package: v.PkgName,
				PURL: v.PkgIdentifier.PURL, Installed: v.InstalledVersion, Fixed: v.FixedVersion, Severity: v.Severity, Title: v.Title})
		}
		for _, l := range res.Licenses {
			if l.Name != "" && l.PkgName != "" {
				lic = append(lic, ports.PackageLicense{Package: l.PkgName, License: l.Name, Category: l.Category})
			}
		}
	}
	return out, lic, nil
}
