package main

import (
	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/adapters/secretkey"
	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/signing"
	"github.com/keeper-registry/keeper/ports"
)

// signingModule is the signing-key service: its API routes and the sign
// and public-key imports of the format plugins.
var signingModule = fx.Options(
	fx.Provide(newSigning),
	fx.Provide(httpapi.AsRoutes(httpapi.SigningRoutes)),
	fx.Invoke(func(d *dispatch.Dispatcher, s *signing.Service) { d.UseSigner(s) }),
)

// newSigning seals private keys with the server's secret box (secrets.key),
// the one that seals every other secret at rest.
func newSigning(cfg config.Config, s *bunstore.Store, repos ports.RepositoryStore, files ports.FileStore, rec *audit.Recorder, c ports.Clock) (*signing.Service, error) {
	box, err := secretkey.Load(cfg.Secrets.Key, cfg.SecretKeyFile(), cfg.Secrets.PreviousKeys)
	if err != nil {
		return nil, err
	}
	return signing.New(signing.Deps{Store: s, Crypto: &pgp.Crypto{}, Sealer: box, Repos: repos, Files: files, Audit: rec, Clock: c}), nil
}
