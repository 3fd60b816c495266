package bunstore_test

import (
	"os"
	"testing"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func replicationStores(s *bunstore.Store) porttest.ReplicationStores {
	return porttest.ReplicationStores{Repos: s, Files: s, Peers: s, Policies: s, Queue: s, Feed: s, Backfills: s}
}

func TestReplicationSQLite(t *testing.T) {
	porttest.Replication(t, func(t *testing.T) porttest.ReplicationStores { return replicationStores(openSQLite(t)) })
}

func TestReplicationPostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	porttest.Replication(t, func(t *testing.T) porttest.ReplicationStores { return replicationStores(openPostgres(t)) })
}
