package bunstore

import (
	"context"
	"fmt"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/ports"
)

// Module provides the metadata store chosen by the configuration (PostgreSQL
// when database.url is set, else SQLite in the data directory), migrated. The
// repository and file ports are not provided here: the wiring puts the
// in-memory cache (core/repository.Cache) in front of them.
var Module = fx.Module("storage.bun",
	fx.Provide(fx.Annotate(provide, fx.As(fx.Self()),
		fx.As(new(ports.UserStore)),
		fx.As(new(ports.TokenStore)), fx.As(new(ports.SettingStore)), fx.As(new(ports.UploadStore)),
		fx.As(new(ports.PluginStore)), fx.As(new(ports.PolicyStore)))),
)

func provide(lc fx.Lifecycle, cfg config.Config) (*Store, error) {
	dsn := cfg.Database.URL
	if dsn == "" {
		dsn = cfg.SQLitePath()
	}
	d := cfg.Database
	s, err := OpenPool(context.Background(), dsn, Pool{MaxOpen: d.MaxOpenConns, MaxIdle: d.MaxIdleConns,
		MaxIdleTime: d.ConnMaxIdleTime, MaxLifetime: d.ConnMaxLifetime})
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(context.Background()); err != nil {
		s.Close()
		return nil, fmt.Errorf("bunstore: migrate: %w", err)
	}
	lc.Append(fx.StopHook(s.Close))
	return s, nil
}
