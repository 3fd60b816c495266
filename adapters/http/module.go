package http

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/core/config"
)

// Module builds the Server from Deps (provided by the wiring) and the routes
// of the fx value group "routes", and serves it on the configured address.
var Module = fx.Module("http",
	fx.Provide(AsRoutes(PluginRoutes)),
	fx.Provide(newServer),
	fx.Invoke(serve),
)

// AsRoutes annotates a constructor of []Route so that its routes join the
// group "routes" the Server mounts (with their OpenAPI entries).
func AsRoutes(constructor any) any {
	return fx.Annotate(constructor, fx.ResultTags(`group:"routes,flatten"`))
}

// Params are what the Server is built from.
type Params struct {
	fx.In
	Deps   Deps
	Routes []Route `group:"routes"`
}

func newServer(p Params) (*Server, error) { return New(p.Deps, p.Routes...) }

// Listening is filled with the bound address once the server listens (useful
// when listen is ":0").
type Listening struct{ Addr string }

func serve(lc fx.Lifecycle, cfg config.Config, s *Server) {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			ln, err := net.Listen("tcp", cfg.Listen)
			if err != nil {
				return fmt.Errorf("http: listen on %s: %w", cfg.Listen, err)
			}
			go func() {
				if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					slog.Error("http: serve", "err", err)
				}
			}()
			go func() {
				if s.d.WhenReady != nil {
					if err := s.d.WhenReady(context.Background()); err != nil {
						slog.Error("keeper started with errors", "err", err)
					}
				}
				slog.Info("keeper ready", "url", "http://"+ln.Addr().String())
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error { return srv.Shutdown(ctx) },
	})
}
