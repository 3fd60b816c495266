package wasm

import (
	"context"
	"log/slog"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/ports"
)

// Module provides the wazero plugin runtime, with its compilation cache under
// the data directory, and closes it on stop.
var Module = fx.Module("format.wasm",
	fx.Provide(fx.Annotate(provide, fx.As(fx.Self()), fx.As(new(ports.FormatRuntime)))),
)

func provide(lc fx.Lifecycle, cfg config.Config) (*Runtime, error) {
	rt, err := New(Config{CacheDir: cfg.PluginCacheDir(), Logger: slog.Default().With("room", "wasm"),
		IdleInstanceTTL: cfg.Plugins.IdleInstanceTTL, IdleModuleTTL: cfg.Plugins.IdleModuleTTL, QueueWait: cfg.Plugins.QueueWait,
		MaxLoaded: cfg.Plugins.MaxLoaded})
	if err != nil {
		return nil, err
	}
	lc.Append(fx.StopHook(func(ctx context.Context) error { return rt.Close(ctx) }))
	return rt, nil
}
