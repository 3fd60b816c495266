package bunstore_test

import (
	"testing"

	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func TestCurationSQLite(t *testing.T) {
	porttest.CurationStore(t, func(t *testing.T) ports.CurationStore { return openSQLite(t) })
}

func TestCurationPostgres(t *testing.T) {
	porttest.CurationStore(t, func(t *testing.T) ports.CurationStore { return openPostgres(t) })
}
