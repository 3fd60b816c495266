package pgnotify

import (
	"context"
	"log/slog"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/ports"
)

// Module provides the PostgreSQL ports.Notifier: it publishes through the
// Publisher (the metadata store's pool) and listens on a connection of its own, started and
// stopped with the application.
var Module = fx.Module("notify.postgres",
	fx.Provide(fx.Annotate(func(lc fx.Lifecycle, cfg config.Config, pool Publisher) *Notifier {
		n := New(cfg.Database.URL, pool, Options{Log: slog.Default().With("room", "notify")})
		lc.Append(fx.Hook{
			OnStart: func(context.Context) error { n.Start(); return nil },
			OnStop:  func(context.Context) error { return n.Close() },
		})
		return n
	}, fx.As(fx.Self()), fx.As(new(ports.Notifier)))),
)
