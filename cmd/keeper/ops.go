package main

import (
	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/core/promote"
	"github.com/keeper-registry/keeper/core/properties"
	"github.com/keeper-registry/keeper/ports"
)

// opsModule is day-two operations: properties on artifacts and
// repositories, promotion between repositories.
var opsModule = fx.Options(
	fx.Provide(newProperties, newPromote),
)

// newPromote commits through files, the caching store the dispatcher uses.
func newPromote(files ports.FileStore, s *bunstore.Store) *promote.Service {
	return promote.New(promote.Deps{Files: files, Props: s})
}

func newProperties(s *bunstore.Store, az ports.Authorizer) *properties.Service {
	return properties.New(properties.Deps{Store: s, Repos: s, Authorizer: az})
}
