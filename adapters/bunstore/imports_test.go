package bunstore_test

import (
	"os"
	"testing"

	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func TestImportStoreSQLite(t *testing.T) {
	porttest.ImportStore(t, func(t *testing.T) ports.ImportStore { return openSQLite(t) })
}

func TestImportStorePostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	porttest.ImportStore(t, func(t *testing.T) ports.ImportStore { return openPostgres(t) })
}
