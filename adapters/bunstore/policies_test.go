package bunstore_test

import (
	"os"
	"testing"

	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func TestPolicyStoreSQLite(t *testing.T) {
	porttest.PolicyStore(t, func(t *testing.T) ports.PolicyStore { return openSQLite(t) })
}

func TestPolicyStorePostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	porttest.PolicyStore(t, func(t *testing.T) ports.PolicyStore { return openPostgres(t) })
}
