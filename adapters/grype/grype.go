package grype

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/keeper-registry/keeper/adapters/lowprio"
	"github.com/keeper-registry/keeper/ports"
)

var _ ports.Scanner = (*Scanner)(nil)

// Config locates the program and its database.
type Config struct {
	// Path is the grype program (looked up on PATH when it has no slash).
	Path string
	// DBDir is GRYPE_DB_CACHE_DIR (loaded with `grype db import`).
	DBDir   string
	Timeout time.Duration
	// MaxOutput caps the JSON report read from the program.
	MaxOutput int64
}

// Scanner is Grype behind the Scanner port.
type Scanner struct{ cfg Config }

// New returns a Grype scanner; a missing program is reported per scan.
func New(cfg Config) *Scanner {
	if cfg.Path == "" {
		cfg.Path = "grype"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	if cfg.MaxOutput <= 0 {
		cfg.MaxOutput = 64 << 20
	}
	return &Scanner{cfg: cfg}
}

// Name is "grype".
func (s *Scanner) Name() string { return "grype" }

// Supports rootfs and filesystem (dir:) and image (tarball, or an OCI
// image layout directory: oci-dir:) targets.
func (s *Scanner) Supports(mode string) bool {
	return mode == ports.ScanRootfs || mode == ports.ScanFilesystem || mode == ports.ScanImage
}

// Scan runs grype over t against the local database only.
func (s *Scanner) Scan(ctx context.Context, t ports.ScanTarget) (ports.ScanReport, error) {
	out, err := s.run(ctx, source(t), "-o", "json")
	if err != nil {
		return ports.ScanReport{}, err
	}
	f, err := Parse(out)
	return ports.ScanReport{Scanner: s.Name(), Findings: f}, err
}

// source names t for grype: dir:<dir>, oci-dir:<dir> for an OCI image
// layout, or an image tarball (whose kind grype detects itself).
func source(t ports.ScanTarget) string {
	if t.Mode != ports.ScanImage {
		return "dir:" + t.Path
	}
	if fi, err := os.Stat(t.Path); err == nil && fi.IsDir() {
		return "oci-dir:" + t.Path
	}
	return t.Path
}

func (s *Scanner) run(ctx context.Context, args ...string) ([]byte, error) {
	out, err := lowprio.Output(ctx, lowprio.Command{Path: s.cfg.Path, Args: args, Timeout: s.cfg.Timeout, MaxOutput: s.cfg.MaxOutput,
		Env: []string{"GRYPE_DB_CACHE_DIR=" + s.cfg.DBDir, "GRYPE_DB_AUTO_UPDATE=false",
			"GRYPE_DB_VALIDATE_AGE=false", "GRYPE_CHECK_FOR_APP_UPDATE=false", "GRYPE_QUIET=true"}})
	if errors.Is(err, lowprio.ErrMissing) {
		return nil, fmt.Errorf("grype: %w", ports.ErrScannerMissing)
	}
	if err != nil {
		return nil, fmt.Errorf("grype: %w", err)
	}
	return out, nil
}

// document is the part of Grype's JSON output Keeper reads
// (https://github.com/anchore/grype#output-formats, "json").
type document struct {
	Matches []struct {
		Vulnerability struct {
			ID          string `json:"id"`
			Severity    string `json:"severity"`
			Description string `json:"description"`
			Fix         struct {
				Versions []string `json:"versions"`
			} `json:"fix"`
		} `json:"vulnerability"`
		RelatedVulnerabilities []struct {
			ID string `json:"id"`
		} `json:"relatedVulnerabilities"`
		Artifact struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			PURL    string `json:"purl"`
		} `json:"artifact"`
	} `json:"matches"`
}

// Parse reads findings from a Grype JSON document.
func Parse(b []byte) ([]ports.Finding, error) {
	var d document
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("grype: parse report: %w", err)
	}
	out := []ports.Finding{}
	for _, m := range d.Matches {
		f := ports.Finding{ID: m.Vulnerability.ID, Package: m.Artifact.Name, PURL: m.Artifact.PURL,
			Installed: m.Artifact.Version,
			Severity:  m.Vulnerability.Severity, Title: m.Vulnerability.Description}
		if len(m.Vulnerability.Fix.Versions) > 0 {
			f.Fixed = m.Vulnerability.Fix.Versions[0]
		}
		for _, r := range m.RelatedVulnerabilities {
			if r.ID != f.ID {
				f.Aliases = append(f.Aliases, r.ID)
			}
		}
		out = append(out, f)
	}
	return out, nil
}
