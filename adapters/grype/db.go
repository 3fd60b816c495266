package grype

import (
	"context"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.ScannerDB = (*Scanner)(nil)

// DBVersion fingerprints Grype's database directory (what `grype db
// import` writes): a new database gives a new fingerprint; "" when there
// is none.
func (s *Scanner) DBVersion(context.Context) (string, error) {
	return fingerprint(s.cfg.DBDir)
}
