package bunstore_test

import (
	"testing"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func propertyStores(s *bunstore.Store) porttest.PropertyStores {
	return porttest.PropertyStores{Repos: s, Files: s, Props: s}
}

func TestPropertiesSQLite(t *testing.T) {
	porttest.PropertyStore(t, func(t *testing.T) porttest.PropertyStores { return propertyStores(openSQLite(t)) })
}

func TestPropertiesPostgres(t *testing.T) {
	porttest.PropertyStore(t, func(t *testing.T) porttest.PropertyStores { return propertyStores(openPostgres(t)) })
}
