package bunstore_test

import (
	"os"
	"testing"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func outboxStores(s *bunstore.Store) porttest.SearchOutboxStores {
	return porttest.SearchOutboxStores{Repos: s, Files: s, Outbox: s}
}

func TestSearchOutboxSQLite(t *testing.T) {
	porttest.SearchOutbox(t, func(t *testing.T) porttest.SearchOutboxStores { return outboxStores(openSQLite(t)) })
}

func TestSearchOutboxPostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	porttest.SearchOutbox(t, func(t *testing.T) porttest.SearchOutboxStores { return outboxStores(openPostgres(t)) })
}
