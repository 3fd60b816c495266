package bunstore_test

import (
	"os"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

type settableClock struct{ now time.Time }

func (c *settableClock) Now() time.Time { return c.now }

func scanStores(s *bunstore.Store) porttest.ScanStores {
	c := &settableClock{now: time.Now()}
	s.SetClock(c)
	return porttest.ScanStores{Repos: s, Files: s, Scans: s, SetNow: func(t time.Time) { c.now = t }}
}

var _ ports.Clock = (*settableClock)(nil)

func TestScanStoreSQLite(t *testing.T) {
	porttest.ScanStore(t, func(t *testing.T) porttest.ScanStores { return scanStores(openSQLite(t)) })
}

func TestScanStorePostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	porttest.ScanStore(t, func(t *testing.T) porttest.ScanStores { return scanStores(openPostgres(t)) })
}
