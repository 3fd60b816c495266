package fsblob

import (
	"log/slog"
	"time"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/ports"
)

// Module provides the filesystem blob store under the configured path and
// removes temp files a killed process left behind.
var Module = fx.Module("storage.fs",
	fx.Provide(fx.Annotate(provide, fx.As(fx.Self()), fx.As(new(ports.BlobStore)))),
)

func provide(cfg config.Config) (*Store, error) {
	s, err := New(cfg.BlobPath())
	if err != nil {
		return nil, err
	}
	s.UseDirectIO(cfg.Storage.DirectIO)
	// Temp files of dead processes of this host go at once; others only when
	// an hour old, since replicas sharing the directory may still write them.
	if n, err := s.CleanTemp(time.Hour); err != nil {
		slog.Warn("fsblob: clean temp files", "err", err)
	} else if n > 0 {
		slog.Info("fsblob: removed stale temp files", "count", n)
	}
	return s, nil
}
