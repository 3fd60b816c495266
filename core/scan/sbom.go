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
// CycloneDX JSON document of the packages in it.
func (s *Service) SBOM(ctx context.Context, repoKey, path string) ([]byte, error) {
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
		w, ok := sc.(ports.SBOMWriter)
		if !ok || !sc.Supports(target.Mode) {
			continue
		}
		doc, err := w.SBOM(ctx, target)
		if errors.Is(err, ports.ErrScannerMissing) {
			continue
		}
		return doc, err
	}
	return nil, fmt.Errorf("%w: no scanner that writes SBOMs is installed", ErrNoSBOM)
}
