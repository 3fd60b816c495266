package bunstore_test

import (
	"os"
	"testing"

	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func TestDownloadStatsSQLite(t *testing.T) {
	porttest.DownloadStats(t, func(t *testing.T) ports.DownloadStats { return openSQLite(t) })
}

func TestDownloadStatsPostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	porttest.DownloadStats(t, func(t *testing.T) ports.DownloadStats { return openPostgres(t) })
}
