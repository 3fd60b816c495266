package scan

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/keeper-registry/keeper/ports"
)

// ErrNoSBOM: no installed scanner writes SBOMs, or the file asks for no
// scanning.
var ErrNoSBOM = errors.New("scan: no SBOM for this artifact")

// SBOM lays one stored file out as its plugin asked and returns the
// document of the packages in it, in format (ports.SBOMCycloneDX or
// ports.SBOMSPDX, both JSON).
func (s *Service) SBOM(ctx context.Context, repoKey, path, format string) ([]byte, error) {
	if format != ports.SBOMCycloneDX && format != ports.SBOMSPDX {
		return nil, ports.Invalidf("format", "%q is not cyclonedx or spdx", format)
	}
	r, err := s.repo(ctx, repoKey)
	if err != nil {
		return nil, err
	}
	f, err := s.d.Files.GetFile(ctx, r.ID, path)
	if err != nil {
		return nil, fmt.Errorf("scan: artifact %q: %w", path, err)
	}
	raw := layoutOf(f.Metadata)
	if raw == nil {
		return nil, fmt.Errorf("%w: it is not scanned", ErrNoSBOM)
	}
	l, err := ParseLayout(raw)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(s.cfg.WorkDir, "sbom-")
	if err != nil {
		return nil, fmt.Errorf("scan: workspace: %w", err)
	}
	defer os.RemoveAll(dir)
	target, err := s.layOut(ctx, ports.ScanJob{Digest: f.BlobDigest, RepositoryID: r.ID, Path: path}, l, dir)
	if err != nil {
		return nil, err
	}
	for _, sc := range s.d.Scanners {
		write := sbomWriter(sc, format)
		if write == nil || !sc.Supports(target.Mode) {
			continue
		}
		doc, err := write(ctx, target)
		if errors.Is(err, ports.ErrScannerMissing) {
			continue
		}
		return doc, err
	}
	return nil, fmt.Errorf("%w: no scanner that writes SBOMs is installed", ErrNoSBOM)
}

// sbomWriter is sc's writer of format, nil when it writes none.
func sbomWriter(sc ports.Scanner, format string) func(context.Context, ports.ScanTarget) ([]byte, error) {
	if w, ok := sc.(ports.SPDXWriter); ok && format == ports.SBOMSPDX {
		return w.SPDX
	}
	if w, ok := sc.(ports.SBOMWriter); ok && format == ports.SBOMCycloneDX {
		return w.SBOM
	}
	return nil
}
