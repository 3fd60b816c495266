package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/keeper-registry/keeper/adapters/argon2"
	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/fsblob"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/s3blob"
	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/core/repository"
	"github.com/keeper-registry/keeper/core/upload"
	"github.com/keeper-registry/keeper/ports"
)

// options composes the application: one fx.Module per adapter, and the core
// services built from the ports those modules provide.
func options(cfg config.Config) fx.Option {
	blobs := fsblob.Module
	if cfg.Storage.Backend == "s3" {
		blobs = s3blob.Module
	}
	return fx.Options(
		fx.Supply(cfg),
		fx.Provide(func() ports.Clock { return ports.SystemClock{} }),
		bunstore.Module,
		blobs,
		argon2.Module,
		fx.Provide(
			newAuth,
			func() ports.Authorizer { return auth.BaselineAuthorizer{} },
			func(s ports.RepositoryStore) *repository.Service {
				return repository.NewService(s, func() []string { return []string{"generic"} })
			},
			func(r ports.RepositoryStore, f ports.FileStore, b ports.BlobStore) *artifact.Service {
				return artifact.NewService(r, f, b, cfg.Limits.MaxUploadBytes)
			},
			func(u ports.UploadStore, b ports.BlobStore, a *artifact.Service, c ports.Clock) *upload.Service {
				return upload.NewService(u, b, a, c, cfg.Limits.MaxUploadBytes)
			},
			newHTTPDeps,
		),
		httpapi.Module,
		fx.Invoke(expireUploads),
		fx.WithLogger(func() fxevent.Logger { return &fxevent.SlogLogger{Logger: slog.Default().With("room", "fx")} }),
	)
}

func newAuth(cfg config.Config, s *bunstore.Store, h ports.PasswordHasher, c ports.Clock) (*auth.Service, error) {
	return auth.NewService(context.Background(), s, s, s, h, c, auth.Options{AccessTTL: cfg.Auth.AccessTTL, RefreshTTL: cfg.Auth.RefreshTTL})
}

func newHTTPDeps(cfg config.Config, a *auth.Service, az ports.Authorizer, r *repository.Service, art *artifact.Service,
	up *upload.Service, db *bunstore.Store, blobs ports.BlobStore) (httpapi.Deps, error) {
	generated, err := a.EnsureAdmin(context.Background(), cfg.Auth.AdminPassword)
	if err != nil {
		return httpapi.Deps{}, err
	}
	if generated != "" {
		fmt.Fprintf(os.Stderr, "\n  Bootstrap admin created: username admin, password %s\n  (shown once; set KEEPER_ADMIN_PASSWORD to choose it)\n\n", generated)
	}
	ready := []httpapi.Check{
		{Name: "database", Run: db.Ping},
		{Name: "migrations", Run: func(ctx context.Context) error {
			ok, err := db.Applied(ctx)
			if err == nil && !ok {
				err = fmt.Errorf("migrations pending")
			}
			return err
		}},
	}
	if p, ok := blobs.(ports.Pinger); ok {
		ready = append(ready, httpapi.Check{Name: "storage", Run: p.Ping})
	}
	return httpapi.Deps{Auth: a, Authorizer: az, Repos: r, Artifacts: art, Uploads: up, Ready: ready,
		MaxUploadBytes: cfg.Limits.MaxUploadBytes, Version: versionString()}, nil
}

func serve(cfg config.Config) error {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	app := fx.New(options(cfg), fx.StartTimeout(2*time.Minute))
	if err := app.Err(); err != nil {
		return err
	}
	app.Run()
	return nil
}

// expireUploads ends idle resumable uploads in the background.
func expireUploads(lc fx.Lifecycle, cfg config.Config, up *upload.Service) {
	ctx, cancel := context.WithCancel(context.Background())
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() {
				t := time.NewTicker(10 * time.Minute)
				defer t.Stop()
				for {
					if n, err := up.Expire(ctx, cfg.Limits.UploadSessionTTL); err != nil {
						slog.Warn("uploads: expire", "err", err)
					} else if n > 0 {
						slog.Info("uploads: expired idle sessions", "count", n)
					}
					select {
					case <-ctx.Done():
						return
					case <-t.C:
					}
				}
			}()
			return nil
		},
		OnStop: func(context.Context) error { cancel(); return nil },
	})
}
