package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/adapters/wasm/builtin"
	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/plugin"
	"github.com/keeper-registry/keeper/ports"
)

// pluginManagerIn are the plugin manager's dependencies; the notifier is
// optional (without one, changes reach other replicas by the periodic reconcile).
type pluginManagerIn struct {
	fx.In
	Lifecycle fx.Lifecycle
	Config    config.Config
	Store     ports.PluginStore
	Blobs     ports.BlobStore
	Runtime   ports.FormatRuntime
	Routes    *dispatch.Dispatcher
	Clock     ports.Clock
	Notifier  ports.Notifier `optional:"true"`
}

func newPluginManager(in pluginManagerIn) *plugin.Manager {
	cfg := in.Config
	m := plugin.NewManager(in.Store, in.Blobs, in.Runtime, in.Routes, plugin.Options{Clock: in.Clock,
		Log:      slog.Default().With("room", "plugins"),
		Limits:   ports.PluginLimits{MemoryPages: cfg.Plugins.MemoryPages, CallTimeout: cfg.Plugins.CallTimeout, PoolSize: cfg.Plugins.PoolSize},
		Notifier: in.Notifier, Replica: replicaName(), ReconcileEvery: cfg.Plugins.ReconcileEvery})
	in.Lifecycle.Append(fx.StopHook(m.Close))
	return m
}

// replicaName names this process in the plugin API: host, process id and a
// random suffix (a restarted process is a new replica).
func replicaName() string {
	host, _ := os.Hostname()
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%x", host, os.Getpid(), b)
}

// pluginLoader registers the built-in and installed plugins in the
// background, started and stopped with the application (nothing is
// compiled: what each describes is recorded; modules compile on first use
// and are warmed into the cache afterwards); the server reports ready once
// they are registered.
type pluginLoader struct {
	done chan struct{}
	err  error
}

func newPluginLoader(lc fx.Lifecycle, m *plugin.Manager) *pluginLoader {
	return startLoader(lc, func(ctx context.Context) error {
		start := time.Now()
		err := m.LoadAll(ctx, builtin.Modules())
		slog.Info("plugins: registered (each compiles on first use; warming the cache in the background)",
			"count", len(m.List()), "took", time.Since(start).Round(time.Millisecond), "err", err)
		if err == nil {
			m.WarmInBackground()
		}
		return err
	})
}

// startLoader runs load in the background from the application's start
// until it returns; stopping the application cancels it and waits for it.
func startLoader(lc fx.Lifecycle, load func(ctx context.Context) error) *pluginLoader {
	l := &pluginLoader{done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() {
				defer close(l.done)
				l.err = load(ctx)
			}()
			return nil
		},
		OnStop: func(stop context.Context) error {
			cancel()
			select {
			case <-l.done:
				return nil
			case <-stop.Done():
				return fmt.Errorf("plugins: still loading at stop: %w", stop.Err())
			}
		},
	})
	return l
}

// Wait blocks until the plugins are loaded (or ctx ends).
func (l *pluginLoader) Wait(ctx context.Context) error {
	select {
	case <-l.done:
		return l.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// loaded reports whether the plugins are registered (without waiting).
func (l *pluginLoader) loaded() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}
