package wasm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	goruntime "runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm/yieldpoint"
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
var exportNames = []string{"describe", "handle", "parse-metadata", "validate", "generate-index", "classify", "rewrite", "merge", "rewrite-held"}

// Config configures a Runtime.
type Config struct {
	// CacheDir holds compiled modules across restarts ("" = in-memory cache only).
	CacheDir string
	Logger   *slog.Logger
	// IdleInstanceTTL: idle instances of a plugin unused this long are closed
	// (default 30 s). IdleModuleTTL: a plugin unused this long releases its
	// compiled module too and is compiled again (from the cache) on next use
	// (default 5 min). Negative disables.
	IdleInstanceTTL, IdleModuleTTL time.Duration
	// QueueWait bounds how long a call waits for a free instance of a busy
	// plugin before failing with ports.ErrUnavailable (default 250 ms).
	QueueWait time.Duration
	// MaxLoaded caps the compiled modules in memory (about 25 MiB each for a
	// Go plugin): to load another, the least recently used idle one is
	// released (and compiled again from the cache when next called); when
	// all are busy the call waits QueueWait, then gets ErrUnavailable.
	// 0 means no cap.
	MaxLoaded int
}

// Runtime implements ports.FormatRuntime over wazero.
type Runtime struct {
	cache wazero.CompilationCache
	log   *slog.Logger
	cfg   Config
	guest guestMemory // where instances' linear memory lives

	mu      sync.RWMutex
	plugins map[string]*slot

	loadMu    sync.Mutex // guards compiling (admission under MaxLoaded)
	compiling int
	// loads admits one plugin load per core at a time (slot.compile);
	// loading and loadingPeak count them.
	loads                chan struct{}
	loading, loadingPeak atomic.Int32
	idLocks              sync.Map // id → *sync.Mutex: serialises Load/Register/Unload of one id; different ids load in parallel

	stopReaper chan struct{}
	reaperDone chan struct{}
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
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.IdleInstanceTTL == 0 {
		cfg.IdleInstanceTTL = 30 * time.Second
	}
	if cfg.IdleModuleTTL == 0 {
		cfg.IdleModuleTTL = 5 * time.Minute
	}
	if cfg.QueueWait <= 0 {
		cfg.QueueWait = 250 * time.Millisecond
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
	r := &Runtime{cache: cache, log: cfg.Logger, cfg: cfg, plugins: map[string]*slot{},
		loads:      make(chan struct{}, max(1, goruntime.GOMAXPROCS(0))),
		stopReaper: make(chan struct{}), reaperDone: make(chan struct{})}
	go r.reaper()
	return r, nil
}

// Close unloads every plugin (waiting for in-flight calls) and the cache.
func (r *Runtime) Close(ctx context.Context) error {
	select {
	case <-r.stopReaper:
	default:
		close(r.stopReaper)
		<-r.reaperDone
	}
	r.mu.Lock()
	slots := r.plugins
	r.plugins = map[string]*slot{}
	r.mu.Unlock()
	for _, sl := range slots {
		sl.release()
	}
	return r.cache.Close(ctx)
}

func (r *Runtime) compile(ctx context.Context, id string, module []byte, lim limits) (*generation, error) {
	module, err := r.instrumented(module)
	if err != nil {
		return nil, err
	}
	rt := wazero.NewRuntimeWithConfig(ctx, runtimeConfig(r.cache).WithMemoryLimitPages(lim.pages))
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
		_ = compiled.Close(ctx) // the shared engine keeps compiled code until closed
		return fail(err)
	}
	g := &generation{id: id, rt: rt, compiled: compiled, limits: lim, owner: r, log: log,
		sem: make(chan struct{}, lim.pool), idle: make(chan *instance, lim.pool), drained: make(chan struct{})}
	g.lastUse.Store(time.Now().UnixNano())
	return g, nil
}

// Compile compiles module into the cache without loading it, so a later Load
// is fast; call it off the request path (for example at start-up, in the background).
func (r *Runtime) Compile(ctx context.Context, module []byte) error {
	// The same module bytes and compiler settings as compile, so the cached
	// code is what Load wants.
	module, err := r.instrumented(module)
	if err != nil {
		return fmt.Errorf("wasm: compile: %w", err)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, runtimeConfig(r.cache))
	defer rt.Close(ctx)
	compiled, err := rt.CompileModule(ctx, module)
	if err != nil {
		return fmt.Errorf("wasm: compile: %w", err)
	}
	// Closing the runtime does not release code compiled into an engine
	// shared through the cache: the module itself must be closed.
	return compiled.Close(ctx)
}

// runtimeConfig is the one compiler configuration: no wazero termination
// check (it costs 3.5–7.7× on plugin code, docs/decisions/0004-yield-points.md);
// containment comes from the yield points instrument inserts.
func runtimeConfig(cache wazero.CompilationCache) wazero.RuntimeConfig {
	return wazero.NewRuntimeConfig().WithCloseOnContextDone(false).WithCompilationCache(cache)
}

// instrument inserts the yield points every module runs with.
func instrument(module []byte) ([]byte, error) {
	out, _, err := yieldpoint.Rewrite(module, 0)
	if err != nil {
		return nil, fmt.Errorf("instrument: %w", err)
	}
	return out, nil
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
	if err == nil {
		err = checkDescribe(info, "")
	}
	if err != nil {
		g.close()
		return ports.FormatInfo{}, fmt.Errorf("wasm: load %s: %w", id, err)
	}
	sl := &slot{id: id, owner: r, lim: lim, key: info.Key, src: bytesSource(module)}
	sl.gen.Store(g)
	r.swap(id, sl)
	sl.setGen(g) // records the load time in the counters swap attached
	return info, nil
}

// Register implements ports.FormatRuntime.
func (r *Runtime) Register(ctx context.Context, id string, src ports.ModuleSource, pl ports.PluginLimits, key string) error {
	if src == nil {
		return fmt.Errorf("wasm: register %s: no module source", id)
	}
	mu := r.idLock(id)
	mu.Lock()
	defer mu.Unlock()
	r.swap(id, &slot{id: id, owner: r, lim: normalize(pl), key: key, src: src})
	return nil
}

// swap installs sl under id; the slot it replaces is released once its
// in-flight calls have finished.
func (r *Runtime) swap(id string, sl *slot) {
	r.mu.Lock()
	old := r.plugins[id]
	if old != nil {
		sl.st = old.st // counters survive reloads
		sl.st.reloads.Add(1)
	} else {
		sl.st = &counters{}
	}
	r.plugins[id] = sl
	r.mu.Unlock()
	if old != nil {
		go old.release() // in-flight calls finish on the old generation first
	}
}

// checkDescribe verifies what a module describes: the contract this host
// implements and, when known, the format key it was registered for.
func checkDescribe(info ports.FormatInfo, key string) error {
	switch {
	case !slices.Contains(ports.SupportedContracts, info.ContractVersion):
		return fmt.Errorf("contract version %q; this server loads %s", info.ContractVersion, ports.SupportedContractsText())
	case info.Key == "":
		return errors.New("describe returned an empty key")
	case key != "" && info.Key != key:
		return fmt.Errorf("module describes format %q, registered as %q", info.Key, key)
	}
	return nil
}

// Unload implements ports.FormatRuntime.
func (r *Runtime) Unload(ctx context.Context, id string) error {
	mu := r.idLock(id)
	mu.Lock()
	defer mu.Unlock()
	r.mu.Lock()
	sl := r.plugins[id]
	delete(r.plugins, id)
	r.mu.Unlock()
	if sl == nil {
		return fmt.Errorf("wasm: unload %s: %w", id, ports.ErrNotFound)
	}
	done := make(chan struct{})
	go func() { sl.release(); close(done) }()
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
	sl := r.plugins[id]
	r.mu.RUnlock()
	if sl == nil {
		return ports.PluginStats{}, false
	}
	return sl.stats(), true
}

// get pins a compiled generation of id for one call (compiling it first if
// needed); done must be called on it.
func (r *Runtime) get(ctx context.Context, id string) (*generation, *counters, error) {
	for {
		r.mu.RLock()
		sl := r.plugins[id]
		r.mu.RUnlock()
		if sl == nil {
			return nil, nil, fmt.Errorf("wasm: plugin %s: %w", id, ports.ErrNotFound)
		}
		g, err := sl.pin(ctx)
		if errors.Is(err, errSlotClosed) {
			continue // replaced meanwhile (a reload): take the new slot
		}
		if err != nil {
			return nil, nil, err
		}
		return g, sl.st, nil
	}
}

type randReader struct{}

func (randReader) Read(p []byte) (int, error) { return rand.Read(p) }
