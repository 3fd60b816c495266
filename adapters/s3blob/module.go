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

func provide(cfg config.Config) (*Store, error) {
	c := cfg.Storage.S3
	s, err := New(context.Background(), Config{Endpoint: c.Endpoint, Region: c.Region, Bucket: c.Bucket, Prefix: c.Prefix,
		AccessKey: c.AccessKey, SecretKey: c.SecretKey, PathStyle: c.PathStyle, PartSize: c.PartSize})
	if err != nil {
		return nil, err
	}
	go func() { // stale multipart uploads are harmless; clean them without delaying start-up
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := s.CleanTemp(ctx, 24*time.Hour); err != nil {
			slog.Warn("s3blob: clean temp objects", "err", err)
		}
	}()
	return s, nil
}
