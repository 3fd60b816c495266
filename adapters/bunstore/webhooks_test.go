package bunstore_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func webhookStores(s, other *bunstore.Store) porttest.WebhookStores {
	return porttest.WebhookStores{Repos: s, Files: s, Hooks: s, Outbox: s, Other: other}
}

// openTwice opens two stores over one fresh database, as two replicas do.
func openTwice(t *testing.T, dsn string) (*bunstore.Store, *bunstore.Store) {
	t.Helper()
	var out [2]*bunstore.Store
	for i := range out {
		s, err := bunstore.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		out[i] = s
	}
	return out[0], out[1]
}

func TestWebhooksSQLite(t *testing.T) {
	porttest.Webhooks(t, func(t *testing.T) porttest.WebhookStores {
		return webhookStores(openTwice(t, filepath.Join(t.TempDir(), "keeper.db")))
	})
}

func TestWebhooksPostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	porttest.Webhooks(t, func(t *testing.T) porttest.WebhookStores { return webhookStores(openTwice(t, postgresDSN(t))) })
}
