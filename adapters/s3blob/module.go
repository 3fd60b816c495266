package s3blob

import (
	"context"
	"log/slog"
	"time"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/ports"
)

// Module provides the S3 blob store from storage.s3.
var Module = fx.Module("storage.s3",
	fx.Provide(fx.Annotate(provide, fx.As(fx.Self()), fx.As(new(ports.BlobStore)))),
)

func provide(lc fx.Lifecycle, cfg config.Config) (*Store, error) {
	c := cfg.Storage.S3
	s, err := New(context.Background(), Config{Endpoint: c.Endpoint, Region: c.Region, Bucket: c.Bucket, Prefix: c.Prefix,
		AccessKey: c.AccessKey, SecretKey: c.SecretKey, PathStyle: c.PathStyle, PartSize: c.PartSize})
	if err != nil {
		return nil, err
	}
	// Stale multipart uploads are harmless: clean them in the background,
	// started with the application and stopped (cancelled, then waited
	// for) with it, without delaying start-up.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() {
				defer close(done)
				ctx, stop := context.WithTimeout(ctx, time.Minute)
				defer stop()
				if _, err := s.CleanTemp(ctx, 24*time.Hour); err != nil && ctx.Err() == nil {
					slog.Warn("s3blob: clean temp objects", "err", err)
				}
			}()
			return nil
		},
		OnStop: func(stop context.Context) error {
			cancel()
			select {
			case <-done:
				return nil
			case <-stop.Done():
				return stop.Err()
			}
		},
	})
	return s, nil
}
