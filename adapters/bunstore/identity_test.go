package bunstore_test

import (
	"os"
	"testing"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func identityStores(s *bunstore.Store) porttest.IdentityStores {
	return porttest.IdentityStores{Users: s, Groups: s, Sessions: s, Audit: s}
}

func TestIdentityStoreSQLite(t *testing.T) {
	porttest.IdentityStore(t, func(t *testing.T) porttest.IdentityStores { return identityStores(openSQLite(t)) })
}

func TestIdentityStorePostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	porttest.IdentityStore(t, func(t *testing.T) porttest.IdentityStores { return identityStores(openPostgres(t)) })
}
