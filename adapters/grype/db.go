package grype

import (
	"context"
	"fmt"

	"github.com/keeper-registry/keeper/core/scan"
	"github.com/keeper-registry/keeper/ports"
)

var _ ports.ScannerDB = (*Scanner)(nil)

// DBVersion fingerprints Grype's database directory (what `grype db
// import` writes): a new database gives a new fingerprint; "" when there
// is none.
func (s *Scanner) DBVersion(context.Context) (string, error) {
	v, err := scan.DBFingerprint(s.cfg.DBDir)
	if err != nil {
		return "", fmt.Errorf("grype: %w", err)
	}
	return v, nil
}
