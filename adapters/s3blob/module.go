package s3blob

import (
	"context"

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
	// Temporary objects of interrupted uploads are removed by the
	// "storage.temp" background job (CleanTemp), once per interval cluster-wide.
	return s, nil
}
