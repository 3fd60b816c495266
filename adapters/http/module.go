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

// ListenError says the configured address could not be bound (in use, not
// permitted, not local); its text names the address only.
type ListenError struct {
	Addr string
	Err  error
}

func (e *ListenError) Error() string {
	msg := e.Err.Error()
	var op *net.OpError
	if errors.As(e.Err, &op) && op.Err != nil {
		msg = op.Err.Error() // drop "listen tcp <addr>:" which repeats the address
	}
	return fmt.Sprintf("cannot listen on %s: %s", e.Addr, msg)
}

func (e *ListenError) Unwrap() error { return e.Err }

func serve(lc fx.Lifecycle, cfg config.Config, s *Server) error {
	tlsCfg, err := TLSConfig(cfg)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		TLSConfig: tlsCfg}
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
	}
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			ln, err := net.Listen("tcp", cfg.Listen)
			if err != nil {
				return &ListenError{Addr: cfg.Listen, Err: err}
			}
			go func() {
				var err error
				if tlsCfg != nil {
					// ServeTLS adds HTTP/2 and uses TLSConfig's certificate source.
					err = srv.ServeTLS(ln, "", "")
				} else {
					err = srv.Serve(ln)
				}
				if err != nil && !errors.Is(err, http.ErrServerClosed) {
					slog.Error("http: serve", "err", err)
				}
			}()
			go func() {
				if s.d.WhenReady != nil {
					if err := s.d.WhenReady(context.Background()); err != nil {
						slog.Error("keeper started with errors", "err", err)
					}
				}
				slog.Info("keeper ready", "url", scheme+"://"+ln.Addr().String())
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error { return srv.Shutdown(ctx) },
	})
	return nil
}
