package main

import (
	"context"
	"time"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/jobs"
	"github.com/keeper-registry/keeper/core/lifecycle"
	"github.com/keeper-registry/keeper/core/promote"
	"github.com/keeper-registry/keeper/core/properties"
	"github.com/keeper-registry/keeper/core/scan"
	"github.com/keeper-registry/keeper/ports"
)

// opsModule is day-two operations: properties on artifacts and
// repositories, promotion between repositories, storage quotas (checked on
// every write the file store commits) and cleanup policies (run hourly by
// the leased job runner, once across replicas).
var opsModule = fx.Options(
	fx.Provide(newProperties, newPromote, newLifecycle),
	fx.Decorate(func(f ports.FileStore, s *bunstore.Store) ports.FileStore {
		return &lifecycle.Quotas{FileStore: f, Store: s}
	}),
	fx.Provide(httpapi.AsRoutes(httpapi.LifecycleRoutes)),
	fx.Invoke(func(svc *lifecycle.Service, sched *jobs.Scheduler) {
		sched.Add(jobs.Job{Name: "lifecycle", Every: time.Hour, Timeout: 30 * time.Minute, Run: svc.RunAll})
	}),
)

func newProperties(s *bunstore.Store, az ports.Authorizer) *properties.Service {
	return properties.New(properties.Deps{Store: s, Repos: s, Authorizer: az})
}

// newPromote commits through files, the caching store the dispatcher uses.
// The target repository's quality gate may refuse a promotion.
func newPromote(files ports.FileStore, s *bunstore.Store, sc *scan.Service) *promote.Service {
	return promote.New(promote.Deps{Files: files, Props: s, Gate: sc})
}

// newLifecycle deletes through files, the caching store the dispatcher uses.
func newLifecycle(files ports.FileStore, repos ports.RepositoryStore, s *bunstore.Store, c ports.Clock, rec *audit.Recorder) *lifecycle.Service {
	return lifecycle.New(lifecycle.Deps{Store: s, Repos: repos, Files: files, Downloads: s, Clock: c,
		Audit: func(ctx context.Context, action, target, detail string) {
			rec.Record(ctx, ports.AuditEvent{Actor: "system", Action: action, Target: target, Detail: detail})
		}})
}
