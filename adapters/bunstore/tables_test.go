package bunstore_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func tableStores(s *bunstore.Store) porttest.TableStores {
	return porttest.TableStores{Dump: s, Load: s, Stores: stores(s)}
}

// openBare opens a fresh database without migrating it (a restore target).
func openBare(t *testing.T, dsn string) *bunstore.Store {
	t.Helper()
	s, err := bunstore.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func sqliteSource(t *testing.T) porttest.TableStores { return tableStores(openSQLite(t)) }
func sqliteTarget(t *testing.T) porttest.TableStores {
	return tableStores(openBare(t, filepath.Join(t.TempDir(), "keeper.db")))
}
func postgresSource(t *testing.T) porttest.TableStores { return tableStores(openPostgres(t)) }
func postgresTarget(t *testing.T) porttest.TableStores {
	return tableStores(openBare(t, postgresDSN(t)))
}

func TestTableDumpSQLite(t *testing.T) {
	porttest.TableDump(t, sqliteSource, sqliteTarget)
}

func TestTableDumpPostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	porttest.TableDump(t, postgresSource, postgresTarget)
	t.Run("sqlite to postgres", func(t *testing.T) { porttest.TableDump(t, sqliteSource, postgresTarget) })
	t.Run("postgres to sqlite", func(t *testing.T) { porttest.TableDump(t, postgresSource, sqliteTarget) })
}
