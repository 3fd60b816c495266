package main

import (
	"log/slog"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/curation"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/plugin"
	"github.com/keeper-registry/keeper/ports"
)

// curationModule wires the curation of remote repositories: the service,
// its API routes, and the dispatcher's admission check of upstream fetches
// (files described by their plugin's parse-metadata).
var curationModule = fx.Options(
	fx.Provide(func(s *bunstore.Store, repos ports.RepositoryStore, rec *audit.Recorder, c ports.Clock) *curation.Service {
		return curation.New(curation.Deps{Store: s, Repos: repos, Verdicts: s, Clock: c, Audit: rec,
			Log: slog.Default().With("room", "curation")})
	}),
	fx.Provide(httpapi.AsRoutes(httpapi.CurationRoutes)),
	fx.Invoke(func(d *dispatch.Dispatcher, svc *curation.Service, rt *wasm.Runtime, m *plugin.Manager) {
		d.UseCuration(svc, wasm.RemoteFormats{Runtime: rt, Info: m.FormatInfo})
	}),
)
