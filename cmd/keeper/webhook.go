package main

import (
	"context"
	"log/slog"
	"time"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/egress"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/secretkey"
	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/core/jobs"
	"github.com/keeper-registry/keeper/core/webhook"
	"github.com/keeper-registry/keeper/ports"
)

// webhookModule is the webhook service: its API routes, the delivery
// workers every replica runs (claims keep them from sending one delivery
// twice), the audit events it turns into webhook events, and the job that
// prunes the delivery log.
var webhookModule = fx.Options(
	fx.Provide(newWebhooks),
	fx.Provide(httpapi.AsRoutes(httpapi.WebhookRoutes)),
	fx.Invoke(startWebhooks),
)

// newWebhooks seals secrets with the server's secret box (secrets.key) and
// posts through the egress guard.
func newWebhooks(cfg config.Config, s *bunstore.Store, rec *audit.Recorder, c ports.Clock) (*webhook.Service, error) {
	box, err := secretkey.Load(cfg.Secrets.Key, cfg.SecretKeyFile(), cfg.Secrets.PreviousKeys)
	if err != nil {
		return nil, err
	}
	w := cfg.Webhooks
	out := egress.Policy{AllowPrivateNetworks: cfg.Egress.AllowPrivateNetworks, AllowedHosts: cfg.Egress.AllowedHosts}
	disableAfter := w.DisableAfter
	if disableAfter == 0 {
		disableAfter = -1 // never
	}
	svc := webhook.New(webhook.Deps{Store: s, Outbox: s, Sender: httpapi.NewWebhookSender(out, w.Timeout), Sealer: box,
		Audit: rec, Clock: c, Log: slog.Default().With("room", "webhooks")},
		webhook.Options{Workers: w.Workers, Poll: w.Poll, Timeout: w.Timeout, MaxAttempts: w.MaxAttempts,
			RetryBase: w.RetryBase, RetryMax: w.RetryMax, DisableAfter: disableAfter, UserAgent: "keeper-webhooks/" + versionString()})
	s.OnWebhookQueued(svc.Wake)
	rec.Observe(svc.OnAudit)
	return svc, nil
}

func startWebhooks(lc fx.Lifecycle, cfg config.Config, svc *webhook.Service, sched *jobs.Scheduler) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() { defer close(done); svc.Run(ctx) }()
			return nil
		},
		OnStop: func(stop context.Context) error {
			cancel()
			select {
			case <-done:
			case <-stop.Done():
			}
			return nil
		},
	})
	sched.Add(jobs.Job{Name: "webhooks.prune", Every: time.Hour, Timeout: time.Minute,
		Run: func(ctx context.Context) error { return svc.Prune(ctx, cfg.Webhooks.Retention) }})
}
