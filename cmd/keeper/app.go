package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/keeper-registry/keeper/adapters/argon2"
	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/casbin"
	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/fsblob"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/ldap"
	"github.com/keeper-registry/keeper/adapters/localnotify"
	"github.com/keeper-registry/keeper/adapters/oidc"
	"github.com/keeper-registry/keeper/adapters/pgnotify"
	"github.com/keeper-registry/keeper/adapters/prom"
	"github.com/keeper-registry/keeper/adapters/ratelimit"
	"github.com/keeper-registry/keeper/adapters/s3blob"
	"github.com/keeper-registry/keeper/adapters/saml"
	"github.com/keeper-registry/keeper/adapters/secretkey"
	"github.com/keeper-registry/keeper/adapters/totp"
	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/gc"
	"github.com/keeper-registry/keeper/core/jobs"
	"github.com/keeper-registry/keeper/core/plugin"
	"github.com/keeper-registry/keeper/core/promote"
	"github.com/keeper-registry/keeper/core/properties"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/core/repository"
	"github.com/keeper-registry/keeper/core/scan"
	"github.com/keeper-registry/keeper/core/search"
	"github.com/keeper-registry/keeper/core/sso"
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
	notices := localnotify.Module
	if cfg.Database.URL != "" {
		notices = fx.Options(pgnotify.Module,
			fx.Provide(func(s *bunstore.Store) pgnotify.Publisher { return s }))
	}
	return fx.Options(
		fx.Supply(cfg),
		fx.Provide(func() ports.Clock { return ports.SystemClock{} }),
		bunstore.Module,
		fx.Decorate(sealSecrets),
		notices,
		blobs,
		argon2.Module,
		wasm.Module,
		casbin.Module,
		ratelimit.Module,
		fx.Supply(ratelimit.Config{
			PerIP:          ratelimit.Rule{Requests: cfg.Limit.PerIPRequests, Window: cfg.Limit.PerIPWindow},
			PerUser:        ratelimit.Rule{Requests: cfg.Limit.PerUserRequests, Window: cfg.Limit.PerUserWindow},
			Login:          ratelimit.Rule{Requests: cfg.Limit.LoginRequests, Window: cfg.Limit.LoginWindow},
			BadCredentials: ratelimit.Rule{Requests: cfg.Limit.BadCredentialRequests, Window: cfg.Limit.BadCredentialWindow},
			MaxInFlight:    cfg.Limit.MaxInFlight,
		}),
		fx.Provide(
			func(lc fx.Lifecycle, s *bunstore.Store, c ports.Clock, n ports.Notifier) *repository.Cache {
				cache := repository.NewCache(s, s, c, cfg.Cache.TTL, cfg.Cache.MaxFiles)
				lc.Append(fx.StopHook(cache.Listen(n)))
				return cache
			},
			func(c *repository.Cache) ports.RepositoryStore { return c },
			func(c *repository.Cache) ports.FileStore { return c },
			func(s *bunstore.Store, c ports.Clock) *audit.Recorder { return audit.New(s, c) },
			newAuth,
			newSSO,
			newDispatcher,
			newRemote,
			newPluginManager,
			newPluginLoader,
			func(s ports.RepositoryStore, f ports.FileStore, m *plugin.Manager, l *pluginLoader) *repository.Service {
				// Right after start the plugins are being registered (a few
				// milliseconds): wait rather than call a format unknown.
				wait := func() {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					_ = l.Wait(ctx)
				}
				return repository.NewService(s, func() []string {
					wait()
					var keys []string
					for _, f := range m.Formats() {
						keys = append(keys, f.Key)
					}
					return keys
				}).WithFiles(f).WithAliases(func(format string) (string, bool) {
					wait()
					return m.Resolve(format)
				})
			},
			newSpools,
			func(r ports.RepositoryStore, f ports.FileStore, b ports.BlobStore, d *dispatch.Dispatcher, sp *gc.Spools, db *bunstore.Store) *artifact.Service {
				// Every write of the generic API passes the format's validate.
				return artifact.NewService(r, f, sp.Wrap(b), cfg.Limits.MaxUploadBytes).WithValidator(d).WithDigestStore(db)
			},
			func(u ports.UploadStore, b ports.BlobStore, a *artifact.Service, c ports.Clock) *upload.Service {
				return upload.NewService(u, b, a, c, cfg.Limits.MaxUploadBytes)
			},
			newHTTPDeps,
		),
		fx.Decorate(casbin.Announce),
		httpapi.Module,
		signingModule,
		settingsModule,
		fx.Invoke(func(d *dispatch.Dispatcher, r *remote.Service, rt *wasm.Runtime, m *plugin.Manager) {
			d.UseRemote(r)
			d.UseVirtual(wasm.RemoteFormats{Runtime: rt, Info: m.FormatInfo})
			// Files remote repositories cache are described by their plugin
			// (parse-metadata), an image manifest's scan layout say.
			d.UseMetadata(wasm.RemoteFormats{Runtime: rt, Info: m.FormatInfo})
		}),
		fx.Provide(scheduleJobs),
		fx.Invoke(func(*jobs.Scheduler) {}),
		searchModule(),
		scanModule,
		curationModule,
		backupModule,
		importModule,
		replicationModule(),
		webhookModule,
		opsModule,
		metricsModule(),
		fx.WithLogger(func() fxevent.Logger {
			l := &fxevent.SlogLogger{Logger: slog.Default().With("room", "fx")}
			l.UseLogLevel(slog.LevelDebug)   // wiring events are noise unless debugging
			l.UseErrorLevel(slog.LevelDebug) // failures are returned and printed once by serve
			return l
		}),
	)
}

// sealSecrets turns on encryption at rest before anything reads a secret,
// and re-seals what an older key (or no key) wrote.
func sealSecrets(cfg config.Config, s *bunstore.Store) (*bunstore.Store, error) {
	box, err := secretkey.Load(cfg.Secrets.Key, cfg.SecretKeyFile(), cfg.Secrets.PreviousKeys)
	if err != nil {
		return nil, err
	}
	s.UseSealer(box)
	n, err := s.ResealSecrets(context.Background())
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	if n > 0 {
		slog.Info("secrets: sealed with the current key", "values", n)
	}
	return s, nil
}

// authParams takes the cross-replica notifier when one is wired (without
// one, revocations are seen at once by this process only).
type authParams struct {
	fx.In
	Cfg      config.Config
	Store    *bunstore.Store
	Hasher   ports.PasswordHasher
	Clock    ports.Clock
	Audit    *audit.Recorder
	Notifier ports.Notifier `optional:"true"`
}

func newAuth(p authParams) (*auth.Service, error) {
	cfg, s := p.Cfg, p.Store
	a, err := auth.NewService(context.Background(), s, s, s, p.Hasher, p.Clock, auth.Options{AccessTTL: cfg.Auth.AccessTTL, RefreshTTL: cfg.Auth.RefreshTTL})
	if err != nil {
		return nil, err
	}
	lockAfter := cfg.Auth.LockoutAfter
	if lockAfter == 0 {
		lockAfter = -1 // off
	}
	// A generated bootstrap password must be changed at first login; one the
	// operator chose (KEEPER_ADMIN_PASSWORD) only if it breaks the password rules.
	return a.Configure(auth.Extras{Sessions: s, Groups: s, Audit: p.Audit, Attempts: s, Notifier: p.Notifier,
		LockAfter: lockAfter, LockFor: cfg.Auth.LockoutFor, MinPasswordLength: cfg.Auth.MinPasswordLength,
		TwoFactor: s, OTP: totp.New(), RequireTOTPForAdmins: cfg.Auth.RequireTOTPForAdmins}), nil
}

func newSSO(cfg config.Config, s *bunstore.Store, c ports.Clock) (*sso.Service, error) {
	out := egress.Policy{AllowPrivateNetworks: cfg.Egress.AllowPrivateNetworks, AllowedHosts: cfg.Egress.AllowedHosts}
	svc, err := sso.NewService(context.Background(), sso.Deps{Store: s, Users: s, Settings: s, Clock: c,
		LDAP: ldap.New(), OIDC: oidc.New(out.Client(30 * time.Second)), SAML: saml.New(out.Client(30 * time.Second)), Groups: sso.StoreGroups{Groups: s}})
	if err != nil {
		return nil, err
	}
	var configured []ports.SSOProvider
	for _, p := range cfg.SSO {
		settings, err := json.Marshal(p.Settings)
		if err != nil {
			return nil, fmt.Errorf("config: sso %s/%s: settings: %w", p.Kind, p.Name, err)
		}
		configured = append(configured, ports.SSOProvider{Kind: p.Kind, Name: p.Name, DisplayName: p.DisplayName,
			Enabled: !p.Disabled, Config: settings})
	}
	return svc, svc.ApplyConfigured(context.Background(), configured)
}

// newSpools removes the bodies of failed uploads SpoolGrace after they were
// stored (core/gc/spools.go), sweeping every minute while the process runs.
func newSpools(lc fx.Lifecycle, s *bunstore.Store, blobs ports.BlobStore, c ports.Clock) *gc.Spools {
	sp := gc.NewSpools(gc.Deps{Files: s, Blobs: blobs, Uploads: s, Plugins: s, Clock: c,
		Log: slog.Default().With("room", "gc")}, 0)
	ctx, cancel := context.WithCancel(context.Background())
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error { go sp.Run(ctx, time.Minute); return nil },
		OnStop:  func(context.Context) error { cancel(); return nil },
	})
	return sp
}

func newDispatcher(cfg config.Config, repos ports.RepositoryStore, files ports.FileStore, blobs ports.BlobStore,
	rt ports.FormatRuntime, az ports.Authorizer, c ports.Clock, a *auth.Service, rec *audit.Recorder, sp *gc.Spools) *dispatch.Dispatcher {
	return dispatch.New(dispatch.Deps{Repos: repos, Files: files, Blobs: sp.Wrap(blobs), Runtime: rt, Authz: az, Clock: c,
		Log: slog.Default().With("room", "dispatch"), Tokens: a, Sessions: a, Audit: rec},
		dispatch.Config{MaxBodyBytes: cfg.Limits.MaxUploadBytes, BaseURL: cfg.BaseURL})
}

// newRemote is the cache of remote repositories: upstream fetches through
// the egress guard, single across replicas by key leases in the database.
func newRemote(cfg config.Config, files ports.FileStore, blobs ports.BlobStore, s *bunstore.Store, rt *wasm.Runtime,
	m *plugin.Manager, c ports.Clock, pm *prom.Metrics, sc *scan.Service) *remote.Service {
	return remote.New(remote.Deps{Files: files, Direct: s, Blobs: blobs, Locker: s, Clock: c, Log: slog.Default().With("room", "remote"),
		Upstream:   instrumentedUpstream{Upstream: newUpstream(cfg), m: pm},
		ScanLayout: sc.SniffBlob,
		Formats:    wasm.RemoteFormats{Runtime: rt, Info: m.FormatInfo}},
		remote.Options{MaxBytes: cfg.Limits.MaxUploadBytes})
}

// newUpstream fetches from upstreams through the egress guard.
func newUpstream(cfg config.Config) *upstream.Fetcher {
	out := egress.Policy{AllowPrivateNetworks: cfg.Egress.AllowPrivateNetworks, AllowedHosts: cfg.Egress.AllowedHosts}
	return upstream.New(out, upstream.Options{MaxBytes: cfg.Limits.MaxUploadBytes, UserAgent: "keeper/" + versionString()})
}

// httpParams are what the HTTP layer's Deps are built from.
type httpParams struct {
	fx.In
	Config   config.Config
	Auth     *auth.Service
	Authz    ports.Authorizer
	Repos    *repository.Service
	Arts     *artifact.Service
	Uploads  *upload.Service
	Store    *bunstore.Store
	Blobs    ports.BlobStore
	Dispatch *dispatch.Dispatcher
	Manager  *plugin.Manager
	Plugins  *pluginLoader
	Policies ports.PolicyAdmin
	Limiter  *ratelimit.Limiter
	SSO      *sso.Service
	Remote   *remote.Service
	Search   *search.Service
	Scan     *scan.Service
	Props    *properties.Service
	Promote  *promote.Service
}

func newHTTPDeps(p httpParams) (httpapi.Deps, error) {
	cfg, a, db, blobs := p.Config, p.Auth, p.Store, p.Blobs
	a.AddExternal(p.SSO)
	a.ThrottleFailures(p.Limiter.CredentialFailures())
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
	if pinger, ok := blobs.(ports.Pinger); ok {
		ready = append(ready, httpapi.Check{Name: "storage", Run: pinger.Ping})
	}
	ready = append(ready, httpapi.Check{Name: "plugins", Run: func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		defer cancel()
		if err := p.Plugins.Wait(ctx); err != nil {
			return fmt.Errorf("plugins not loaded yet: %w", err)
		}
		return nil
	}})
	return httpapi.Deps{Auth: a, Authorizer: p.Authz, Repos: p.Repos, Artifacts: p.Arts, Uploads: p.Uploads, Ready: ready,
		MaxUploadBytes: cfg.Limits.MaxUploadBytes, Version: versionString(), WhenReady: p.Plugins.Wait,
		Fallback: httpapi.UntilReady(p.Plugins.loaded, httpapi.DispatchHandler(p.Dispatch)), Plugins: p.Manager,
		MountCredentials: p.Dispatch.Credentials, FormatInfo: p.Manager.FormatInfo,
		Users: db, Groups: db, Policies: p.Policies, Audit: db, SSO: p.SSO, BaseURL: cfg.BaseURL,
		TrustedProxies: cfg.TrustedProxyList(), Remote: p.Remote, Search: p.Search, Properties: p.Props, Promote: p.Promote, Upstream: newUpstream(cfg), Stats: db, Gate: p.Scan,
		Body: httpapi.BodyLimits{IdleTimeout: cfg.Limits.BodyIdleTimeout, MinBytesPerSecond: cfg.Limits.BodyMinBytesPerSecond,
			Grace: cfg.Limits.BodyRateGrace},
		BeforeAuth: p.Limiter.ShareLogins(db).BeforeAuth(), AfterAuth: p.Limiter.AfterAuth(),
		GC: gc.New(gc.Deps{Repos: db, Files: db, Blobs: blobs, Uploads: db, Plugins: db,
			Log: slog.Default().With("room", "gc")}, gc.DefaultGrace)}, nil
}

func serve(cfg config.Config) error {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	app := fx.New(options(cfg))
	if err := app.Err(); err != nil {
		return startError(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := app.Start(ctx); err != nil {
		return startError(err)
	}
	sig := <-app.Wait()
	stopCtx, stopCancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer stopCancel()
	if err := app.Stop(stopCtx); err != nil {
		return err
	}
	if sig.ExitCode != 0 {
		return fmt.Errorf("stopped with exit code %d", sig.ExitCode)
	}
	return nil
}

// tempCleaner is a blob store that leaves temporary objects behind when a
// process dies mid-upload (S3 multipart uploads).
type tempCleaner interface {
	CleanTemp(ctx context.Context, olderThan time.Duration) (int, error)
}

// scheduleJobs runs the background jobs once per interval across replicas
// (leases in the metadata database) while the application runs.
func scheduleJobs(lc fx.Lifecycle, cfg config.Config, s *bunstore.Store, up *upload.Service, blobs ports.BlobStore) *jobs.Scheduler {
	log := slog.Default().With("room", "jobs")
	sched := jobs.New(s, jobs.Options{Log: log})
	collector := gc.New(gc.Deps{Repos: s, Files: s, Blobs: blobs, Uploads: s, Plugins: s,
		Log: slog.Default().With("room", "gc")}, cfg.Jobs.GCGrace)
	sched.Add(jobs.Job{Name: "gc", Every: cfg.Jobs.GCInterval, Run: func(ctx context.Context) error {
		rep, err := collector.Run(ctx, false)
		if err == nil && rep.Swept > 0 {
			log.Info("gc: swept unreferenced blobs", "count", rep.Swept, "bytes", rep.SweptBytes)
		}
		return err
	}})
	sched.Add(jobs.Job{Name: "uploads.expire", Every: cfg.Jobs.UploadExpiryInterval, Run: func(ctx context.Context) error {
		n, err := up.Expire(ctx, cfg.Limits.UploadSessionTTL)
		if n > 0 {
			log.Info("uploads: expired idle sessions", "count", n)
		}
		return err
	}})
	if tc, ok := blobs.(tempCleaner); ok {
		sched.Add(jobs.Job{Name: "storage.temp", Every: cfg.Jobs.TempCleanupInterval, Run: func(ctx context.Context) error {
			n, err := tc.CleanTemp(ctx, cfg.Jobs.TempMaxAge)
			if n > 0 {
				log.Info("storage: removed temporary objects of interrupted uploads", "count", n)
			}
			return err
		}})
	}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error { sched.Start(); return nil },
		OnStop:  func(context.Context) error { sched.Stop(); return nil },
	})
	return sched
}

// startError keeps what a person can act on: fx wraps a failing
// constructor or hook in its own vocabulary (hook names, dependency paths);
// the cause underneath is one of ours and names the setting or address.
func startError(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil || !fxWrapped(err) {
			return err
		}
		err = next
	}
}

func fxWrapped(err error) bool {
	t, msg := fmt.Sprintf("%T", err), err.Error()
	for _, s := range []string{"dig.", "fx."} {
		if strings.Contains(t, s) {
			return true
		}
	}
	for _, s := range []string{"hook added by", "could not build", "failed to build", "received non-nil error", "missing dependencies"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
