package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/otel"
	"github.com/keeper-registry/keeper/adapters/prom"
	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/core/plugin"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/core/repository"
	"github.com/keeper-registry/keeper/core/stats"
	"github.com/keeper-registry/keeper/ports"
)

// metricsModule wires the Prometheus registry, the download statistics
// recorder, and both into the HTTP layer's Observability.
func metricsModule() fx.Option {
	return fx.Options(
		fx.Provide(prom.New, newDownloadRecorder),
		fx.Decorate(observe),
	)
}

// newDownloadRecorder batches download counts into the database; nil when
// metrics.download_stats is off.
func newDownloadRecorder(lc fx.Lifecycle, cfg config.Config, s *bunstore.Store) *stats.Recorder {
	if !cfg.Metrics.DownloadStats {
		return nil
	}
	r := stats.New(s, stats.Options{MaxKeys: cfg.Metrics.DownloadStatsBuffer, Log: slog.Default().With("room", "stats")})
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error { r.Start(); return nil },
		// Appended before the HTTP server's hook, so it runs after the
		// server stopped: the last downloads are written.
		OnStop: r.Stop,
	})
	return r
}

type observeParams struct {
	fx.In
	Lifecycle fx.Lifecycle
	Deps      httpapi.Deps
	Config    config.Config
	Metrics   *prom.Metrics
	Recorder  *stats.Recorder
	Store     *bunstore.Store
	Runtime   ports.FormatRuntime
	Manager   *plugin.Manager
	Repos     *repository.Service
	Remote    *remote.Service
}

// observe gives the HTTP layer its metrics endpoint, request observer and
// download recorder, and registers the figures read at each scrape.
func observe(p observeParams) (httpapi.Deps, error) {
	d, cfg, m := p.Deps, p.Config, p.Metrics
	if err := m.RegisterDB(p.Store.DB().DB, p.Store.Dialect()); err != nil {
		return d, err
	}
	src := prom.Sources{
		Plugins: func() []prom.PluginFigures { return pluginFigures(p.Manager, p.Runtime) },
		Remote:  func(ctx context.Context) ([]prom.RemoteFigures, error) { return remoteFigures(ctx, p.Repos, p.Remote) },
		Queues: func(ctx context.Context) map[string]int {
			q := map[string]int{}
			if n, err := p.Store.Backlog(ctx); err == nil {
				q["search_outbox"] = n
			}
			if p.Recorder != nil {
				q["download_stats"] = p.Recorder.Pending()
			}
			return q
		},
		JobsRunning: func(ctx context.Context) (int, error) {
			js, err := p.Store.Jobs(ctx)
			n, now := 0, time.Now()
			for _, j := range js {
				if j.Holder != "" && j.LeaseUntil.After(now) {
					n++
				}
			}
			return n, err
		},
	}
	if p.Recorder != nil {
		src.DownloadsDropped, src.DownloadsWritten = p.Recorder.Dropped, p.Recorder.Written
		d.Observe.Downloads = p.Recorder
		d.Observe.DownloadStats = p.Store
	}
	if err := m.Register(src); err != nil {
		return d, err
	}
	d.Observe.Requests = requestMetrics{m}
	if otel.Enabled(os.Environ()) {
		tr, err := otel.NewOTLP(context.Background(), versionString())
		if err != nil {
			return d, err
		}
		d.Observe.Wrap = tr.Wrap
		p.Lifecycle.Append(fx.StopHook(tr.Shutdown))
		slog.Info("tracing: OpenTelemetry spans go to the OTLP endpoint of the environment")
	}
	if cfg.Metrics.Enabled {
		nets, err := httpapi.ParseNetworks(cfg.Metrics.AllowedNetworks) // validated with the configuration
		if err != nil {
			return d, err
		}
		d.Observe.Metrics = m.Handler()
		d.Observe.MetricsAccess = httpapi.MetricsAccess{Token: cfg.Metrics.Token, Networks: nets}
	}
	return d, nil
}

// requestMetrics hands the HTTP layer's request figures to the registry.
type requestMetrics struct{ m *prom.Metrics }

func (r requestMetrics) ObserveRequest(i httpapi.RequestInfo) {
	r.m.ObserveRequest(prom.Request{Repository: i.Repository, Format: i.Format, Route: i.Route, Method: i.Method,
		Status: i.Status, BytesIn: i.BytesIn, BytesOut: i.BytesOut, Duration: i.Duration})
}

func pluginFigures(m *plugin.Manager, rt ports.FormatRuntime) []prom.PluginFigures {
	var out []prom.PluginFigures
	for _, p := range m.List() {
		st, ok := rt.Stats(p.ID)
		if !ok {
			continue
		}
		out = append(out, prom.PluginFigures{Plugin: p.ID, Calls: st.Calls, Errors: st.Errors, Traps: st.Traps,
			Reloads: st.Reloads, Instances: st.Instances})
	}
	return out
}

// remoteFigures reads the cache counters of every remote repository (at
// most 10,000; a scrape stays bounded).
func remoteFigures(ctx context.Context, repos *repository.Service, r *remote.Service) ([]prom.RemoteFigures, error) {
	var out []prom.RemoteFigures
	const batch = 500
	for from := 0; from < 10_000; from += batch {
		rs, _, err := repos.List(ctx, ports.RepositoryFilter{Type: ports.RepoRemote}, ports.Page{Offset: from, Limit: batch})
		if err != nil {
			return out, err
		}
		for _, repo := range rs {
			st := r.Stats(repo.ID)
			out = append(out, prom.RemoteFigures{Repository: repo.Key, Hits: st.Hits, Misses: st.Misses,
				UpstreamFetches: st.UpstreamFetches, NegativeHits: st.NegativeHits, StaleServed: st.StaleServed})
		}
		if len(rs) < batch {
			break
		}
	}
	return out, nil
}

// instrumentedUpstream counts every upstream request by result and time to
// its response head.
type instrumentedUpstream struct {
	ports.Upstream
	m *prom.Metrics
}

func (u instrumentedUpstream) Fetch(ctx context.Context, in ports.UpstreamRequest) (ports.UpstreamResponse, error) {
	start := time.Now()
	resp, err := u.Upstream.Fetch(ctx, in)
	status := resp.Status
	if err != nil {
		status = 0
	}
	u.m.ObserveUpstream(status, time.Since(start))
	return resp, err
}
