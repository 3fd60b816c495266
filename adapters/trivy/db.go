package trivy

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/keeper-registry/keeper/core/scan"
	"github.com/keeper-registry/keeper/ports"
)

var _ ports.ScannerDB = (*Scanner)(nil)

// DBVersion fingerprints Trivy's databases under CacheDir (db/ and
// java-db/): a new database (any file replaced) gives a new fingerprint;
// "" when there is none.
func (s *Scanner) DBVersion(context.Context) (string, error) {
	v, err := scan.DBFingerprint(filepath.Join(s.cfg.CacheDir, "db"), filepath.Join(s.cfg.CacheDir, "java-db"))
	if err != nil {
		return "", fmt.Errorf("trivy: %w", err)
	}
	return v, nil
}
