package main

import (
	"context"
	"log/slog"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/core/backup"
	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/ports"
)

// backupModule is the backup API: jobs that back this instance up into
// backup.target (docs/backup.md).
var backupModule = fx.Options(
	fx.Provide(newBackups),
	fx.Provide(httpapi.AsRoutes(httpapi.BackupRoutes)),
)

// newBackups is nil (the routes answer that no target is configured)
// without backup.target.
func newBackups(cfg config.Config, s *bunstore.Store, blobs ports.BlobStore, c ports.Clock) (httpapi.Backups, error) {
	if cfg.Backup.Target == "" {
		return nil, nil
	}
	target, err := openBackupTarget(context.Background(), cfg, cfg.Backup.Target, false)
	if err != nil {
		return nil, err
	}
	run := func(ctx context.Context, id string, p *backup.Progress) (backup.Manifest, error) {
		src, err := backupSource(cfg, s, blobs, cfg.Backup.IncludeSecretsKey)
		if err != nil {
			return backup.Manifest{}, err
		}
		src.ID, src.Clock = id, c
		return backup.Backup(ctx, src, target, p)
	}
	return &backup.Service{Jobs: backup.NewJobs(run, c, slog.Default().With("room", "backup")), Target: target}, nil
}
