package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/grype"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/trivy"
	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/jobs"
	"github.com/keeper-registry/keeper/core/scan"
	"github.com/keeper-registry/keeper/core/signing"
	"github.com/keeper-registry/keeper/ports"
)

// scanFollowFor is how long one run of the scan job claims new work before
// it hands the lease back (another replica may take it).
const scanFollowFor = 30 * time.Second

// scanModule wires the scanners, the scan service (queue workers, policies),
// its API routes, and the download gate the format dispatcher asks.
var scanModule = fx.Options(
	fx.Provide(newScanService),
	fx.Provide(httpapi.AsRoutes(httpapi.SecurityRoutes)),
	fx.Invoke(func(cfg config.Config, d *dispatch.Dispatcher, sched *jobs.Scheduler, svc *scan.Service) {
		d.UseGate(svc)
		svc.UsePrefetch(d.Prefetch)
		if !cfg.Scan.Enabled {
			return
		}
		sched.Add(jobs.Job{Name: "scan.work", Every: time.Second, Timeout: scanFollowFor + 2*cfg.Scan.Timeout + time.Minute,
			Run: func(ctx context.Context) error { return svc.Follow(ctx, cfg.Scan.Poll, scanFollowFor) }})
		// A new vulnerability database requeues the verdicts made with the
		// old one, a bounded batch per run (leased: one replica at a time).
		sched.Add(jobs.Job{Name: "scan.rescan-outdated", Every: cfg.Scan.DBCheck,
			Run: func(ctx context.Context) error {
				_, err := svc.RequeueOutdated(ctx, cfg.Scan.RescanBatch)
				return err
			}})
	}),
)

func newScanService(cfg config.Config, s *bunstore.Store, repos ports.RepositoryStore, files ports.FileStore, blobs ports.BlobStore,
	rec *audit.Recorder, c ports.Clock, sig *signing.Service) *scan.Service {
	sc := cfg.Scan
	if sc.TrivyCacheDir == "" {
		sc.TrivyCacheDir = filepath.Join(cfg.DataDir, "scan", "trivy")
	}
	if sc.GrypeDBDir == "" {
		sc.GrypeDBDir = filepath.Join(cfg.DataDir, "scan", "grype")
	}
	scanners := []ports.Scanner{
		trivy.New(trivy.Config{Path: sc.TrivyPath, CacheDir: sc.TrivyCacheDir, Timeout: sc.Timeout}),
		grype.New(grype.Config{Path: sc.GrypePath, DBDir: sc.GrypeDBDir, Timeout: sc.Timeout}),
	}
	return scan.New(scan.Deps{Queue: s, Records: s, Settings: s, Repos: repos, Files: files, Blobs: blobs, Scanners: scanners,
		Clock: c, Log: slog.Default().With("room", "scan"), Audit: rec, Signatures: sig},
		scan.Config{WorkDir: sc.WorkDir, Concurrency: sc.Concurrency, Lease: 2*sc.Timeout + time.Minute, BlobWait: sc.BlobWait,
			BlobFetchAfter: sc.BlobFetchAfter,
			Limits:         scan.Limits{MaxBytes: sc.MaxBytes, MaxFiles: sc.MaxFiles}})
}
