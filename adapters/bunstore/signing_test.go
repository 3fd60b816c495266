package bunstore_test

import (
	"os"
	"testing"

	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func TestSigningKeyStoreSQLite(t *testing.T) {
	porttest.SigningKeyStore(t, func(t *testing.T) ports.SigningKeyStore { return openSQLite(t) })
}

func TestSigningKeyStorePostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	porttest.SigningKeyStore(t, func(t *testing.T) ports.SigningKeyStore { return openPostgres(t) })
}
