package bunstore_test

import (
	"testing"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func lifecycleStores(s *bunstore.Store) porttest.LifecycleStores {
	return porttest.LifecycleStores{Repos: s, Files: s, Lifecycle: s}
}

func TestLifecycleSQLite(t *testing.T) {
	porttest.LifecycleStore(t, func(t *testing.T) porttest.LifecycleStores { return lifecycleStores(openSQLite(t)) })
}

func TestLifecyclePostgres(t *testing.T) {
	porttest.LifecycleStore(t, func(t *testing.T) porttest.LifecycleStores { return lifecycleStores(openPostgres(t)) })
}
