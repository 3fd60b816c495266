package bunstore_test

import (
	"os"
	"testing"

	"github.com/keeper-registry/keeper/ports/porttest"
)

func TestSSOStoreSQLite(t *testing.T) {
	porttest.SSOStore(t, func(t *testing.T) porttest.SSOStores {
		s := openSQLite(t)
		return porttest.SSOStores{SSO: s, Users: s}
	})
}

func TestSSOStorePostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	porttest.SSOStore(t, func(t *testing.T) porttest.SSOStores {
		s := openPostgres(t)
		return porttest.SSOStores{SSO: s, Users: s}
	})
}
