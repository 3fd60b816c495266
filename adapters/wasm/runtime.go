package wasm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeper-registry/keeper/ports"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

var _ ports.FormatRuntime = (*Runtime)(nil)

// Defaults applied to zero PluginLimits fields.
const (
	DefaultPoolSize     = 4
	DefaultCallTimeout  = 10 * time.Second
	DefaultMemoryPages  = 4096 // 256 MiB
	DefaultMaxBodyBytes = 64 << 20
)

// exportNames are the world's exports the host may call.
var exportNames = []string{"describe", "handle", "parse-metadata", "validate", "generate-index", "classify", "rewrite", "merge"}

// Config configures a Runtime.
type Config struct {
	// CacheDir holds compiled modules across restarts ("" = in-memory cache only).
	CacheDir string
	Logger   *slog.Logger
}

// Runtime implements ports.FormatRuntime over wazero.
type Runtime struct {
	cache wazero.CompilationCache
	log   *slog.Logger

	mu      sync.RWMutex
	plugins map[string]*generation
	stats   map[string]*counters
	idLocks sync.Map // id → *sync.Mutex: serialises Load/Unload of one id; different ids load in parallel
}

type counters struct {
	calls, errors, traps atomic.Int64
	mu                   sync.Mutex
	lastError            string
	loadedAt             time.Time
}

type limits struct {
	pages        uint32
	timeout      time.Duration
	pool         int
	maxBody      int64
	recycleBytes uint32
}

func normalize(l ports.PluginLimits) limits {
	out := limits{pages: l.MemoryPages, timeout: l.CallTimeout, pool: l.PoolSize, maxBody: l.MaxBodyBytes}
	if out.pages == 0 || out.pages > 65536 {
		out.pages = DefaultMemoryPages
	}
	if out.timeout <= 0 {
		out.timeout = DefaultCallTimeout
	}
	if out.pool <= 0 {
		out.pool = DefaultPoolSize
	}
	if out.maxBody <= 0 {
		out.maxBody = DefaultMaxBodyBytes
	}
	// Recycle an instance once its memory passed half the limit.
	out.recycleBytes = uint32(min(uint64(out.pages)*65536/2, 1<<31))
	return out
}

// New returns a Runtime whose compiled modules are cached in cfg.CacheDir.
func New(cfg Config) (*Runtime, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	var cache wazero.CompilationCache
	if cfg.CacheDir != "" {
		c, err := wazero.NewCompilationCacheWithDir(cfg.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("wasm: cache: %w", err)
		}
		cache = c
	} else {
		cache = wazero.NewCompilationCache()
	}
	return &Runtime{cache: cache, log: log, plugins: map[string]*generation{}, stats: map[string]*counters{}}, nil
}

// Close unloads every plugin (waiting for in-flight calls) and the cache.
func (r *Runtime) Close(ctx context.Context) error {
	r.mu.Lock()
	gens := r.plugins
	r.plugins = map[string]*generation{}
	r.mu.Unlock()
	for _, g := range gens {
		g.close()
	}
	return r.cache.Close(ctx)
}

func (r *Runtime) compile(ctx context.Context, id string, module []byte, lim limits) (*generation, error) {
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().
		WithCloseOnContextDone(true).
		WithCompilationCache(r.cache).
		WithMemoryLimitPages(lim.pages))
	fail := func(err error) (*generation, error) {
		_ = rt.Close(ctx)
		return nil, err
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return fail(fmt.Errorf("wasi: %w", err))
	}
	log := r.log.With("plugin", id)
	if err := instantiateHost(ctx, rt, log); err != nil {
		return fail(fmt.Errorf("host module: %w", err))
	}
	compiled, err := rt.CompileModule(ctx, module)
	if err != nil {
		return fail(fmt.Errorf("compile: %w", err))
	}
	if err := checkExports(compiled); err != nil {
		return fail(err)
	}
	g := &generation{id: id, rt: rt, compiled: compiled, limits: lim, owner: r, log: log,
		sem: make(chan struct{}, lim.pool), idle: make(chan *instance, lim.pool)}
	return g, nil
}

// Compile compiles module into the cache without loading it, so a later Load
// is fast; call it off the request path (for example at start-up, in the background).
func (r *Runtime) Compile(ctx context.Context, module []byte) error {
	// The same compiler settings as compile, so the cached code is what Load wants.
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCloseOnContextDone(true).WithCompilationCache(r.cache))
	defer rt.Close(ctx)
	if _, err := rt.CompileModule(ctx, module); err != nil {
		return fmt.Errorf("wasm: compile: %w", err)
	}
	return nil
}

// idLock returns the lock that serialises loads and unloads of id.
func (r *Runtime) idLock(id string) *sync.Mutex {
	mu, _ := r.idLocks.LoadOrStore(id, &sync.Mutex{})
	return mu.(*sync.Mutex)
}

// Load implements ports.FormatRuntime.
func (r *Runtime) Load(ctx context.Context, id string, module []byte, pl ports.PluginLimits) (ports.FormatInfo, error) {
	mu := r.idLock(id)
	mu.Lock()
	defer mu.Unlock()
	lim := normalize(pl)
	g, err := r.compile(ctx, id, module, lim)
	if err != nil {
		return ports.FormatInfo{}, fmt.Errorf("wasm: load %s: %w", id, err)
	}
	info, err := g.describe(ctx)
	if err == nil && !slices.Contains(ports.SupportedContracts, info.ContractVersion) {
		err = fmt.Errorf("contract version %q; this server loads %s", info.ContractVersion, strings.Join(ports.SupportedContracts, " and "))
	}
	if err == nil && info.Key == "" {
		err = errors.New("describe returned an empty key")
	}
	if err != nil {
		g.close()
		return ports.FormatInfo{}, fmt.Errorf("wasm: load %s: %w", id, err)
	}
	r.mu.Lock()
	old := r.plugins[id]
	r.plugins[id] = g
	st := r.stats[id]
	if st == nil {
		st = &counters{}
		r.stats[id] = st
	}
	r.mu.Unlock()
	st.mu.Lock()
	st.loadedAt = time.Now()
	st.mu.Unlock()
	if old != nil {
		go old.close() // in-flight calls finish on the old pool first
	}
	return info, nil
}

// Unload implements ports.FormatRuntime.
func (r *Runtime) Unload(ctx context.Context, id string) error {
	mu := r.idLock(id)
	mu.Lock()
	defer mu.Unlock()
	r.mu.Lock()
	g := r.plugins[id]
	delete(r.plugins, id)
	delete(r.stats, id)
	r.mu.Unlock()
	if g == nil {
		return fmt.Errorf("wasm: unload %s: %w", id, ports.ErrNotFound)
	}
	done := make(chan struct{})
	go func() { g.close(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wasm: unload %s: %w", id, ctx.Err())
	}
}

// Stats implements ports.FormatRuntime.
func (r *Runtime) Stats(id string) (ports.PluginStats, bool) {
	r.mu.RLock()
	st := r.stats[id]
	r.mu.RUnlock()
	if st == nil {
		return ports.PluginStats{}, false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return ports.PluginStats{Calls: st.calls.Load(), Errors: st.errors.Load(), Traps: st.traps.Load(),
		LastError: st.lastError, LoadedAt: st.loadedAt}, true
}

// get pins the current generation of id for one call; done must be called.
func (r *Runtime) get(id string) (*generation, *counters, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	g := r.plugins[id]
	if g == nil {
		return nil, nil, fmt.Errorf("wasm: plugin %s: %w", id, ports.ErrNotFound)
	}
	g.inflight.Add(1)
	return g, r.stats[id], nil
}

type randReader struct{}

func (randReader) Read(p []byte) (int, error) { return rand.Read(p) }
