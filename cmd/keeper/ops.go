package main

import (
	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/core/properties"
	"github.com/keeper-registry/keeper/ports"
)

// opsModule is day-two operations: properties on artifacts and repositories.
var opsModule = fx.Options(
	fx.Provide(newProperties),
)

func newProperties(s *bunstore.Store, az ports.Authorizer) *properties.Service {
	return properties.New(properties.Deps{Store: s, Repos: s, Authorizer: az})
}
