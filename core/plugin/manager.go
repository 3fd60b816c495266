package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/ports"
)

// RouteSetter receives the mounts of every active plugin; *dispatch.Dispatcher is one.
type RouteSetter interface {
	SetRoutes(routes []dispatch.Route)
}

// Options tune the manager; zero fields take defaults.
type Options struct {
	// MaxModuleBytes caps an uploaded package and its module (default 64 MiB).
	MaxModuleBytes int64
	// Limits apply to every plugin for fields its record leaves zero
	// (defaults: 2048 pages = 128 MiB, 30 s per call, pool of 4).
	Limits ports.PluginLimits
	Clock  ports.Clock
	Log    *slog.Logger
	// Notifier carries lifecycle changes to the other replicas (nil: this
	// process only). Replica names this process in the plugin API.
	Notifier ports.Notifier
	Replica  string
	// ReconcileEvery re-reads every plugin record this often, covering
	// notices lost while disconnected (default 30 s; negative disables).
	ReconcileEvery time.Duration
}

// Manager owns the set of plugins this replica serves. Every lifecycle
// change is stored first, applied here, then announced so every replica
// applies the same record; reads (List, Get, Formats) never wait for a compile.
type Manager struct {
	store  ports.PluginStore
	blobs  ports.BlobStore
	rt     ports.FormatRuntime
	routes RouteSetter
	opts   Options
	seq    atomic.Int64

	op sync.Mutex // held for a whole lifecycle operation or reconcile

	mu       sync.RWMutex
	entries  map[string]*entry
	builtins map[string]Builtin

	stop     chan struct{}
	done     chan struct{}
	stopWarm context.CancelFunc
}

// Builtin is a plugin module compiled into the binary.
type Builtin struct {
	// Module returns the module's bytes (a fresh copy: the runtime asks only
	// when it compiles, so idle built-ins cost no heap).
	Module func() []byte
	// Digest is the module's sha256 (hex) and Info what it describes, both
	// recorded by the build; empty, they are computed at start (hashing and
	// compiling the module).
	Digest string
	Info   *ports.FormatInfo
}

// BuiltinBytes wraps plain modules as built-ins with nothing recorded.
func BuiltinBytes(mods map[string][]byte) map[string]Builtin {
	out := make(map[string]Builtin, len(mods))
	for k, b := range mods {
		out[k] = Builtin{Module: func() []byte { return b }}
	}
	return out
}

// entry is the manager's view of one plugin.
type entry struct {
	rec    ports.PluginRecord
	info   ports.FormatInfo
	loaded bool // registered with the runtime and routed
}

// topic is the notifier topic of plugin lifecycle changes (payload: plugin id).
const topic = "plugins"

// NewManager returns a manager with no plugins; call LoadAll at start.
func NewManager(store ports.PluginStore, blobs ports.BlobStore, rt ports.FormatRuntime, routes RouteSetter, opts Options) *Manager {
	if opts.MaxModuleBytes <= 0 {
		opts.MaxModuleBytes = 64 << 20
	}
	if opts.Limits.MemoryPages == 0 {
		opts.Limits.MemoryPages = 2048
	}
	if opts.Limits.CallTimeout <= 0 {
		opts.Limits.CallTimeout = 30 * time.Second
	}
	if opts.Limits.PoolSize <= 0 {
		opts.Limits.PoolSize = 4
	}
	if opts.Clock == nil {
		opts.Clock = ports.SystemClock{}
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Replica == "" {
		opts.Replica = "local"
	}
	if opts.ReconcileEvery == 0 {
		opts.ReconcileEvery = 30 * time.Second
	}
	return &Manager{store: store, blobs: blobs, rt: rt, routes: routes, opts: opts,
		entries: map[string]*entry{}, builtins: map[string]Builtin{}}
}

// LoadAll registers the built-in modules (id = format key) and every stored
// plugin with the runtime, routes the enabled ones, and starts following
// other replicas' changes. Nothing is compiled here when each plugin's
// describe is known (recorded at build for built-ins, stored for installed
// plugins); modules compile on first use, or in the background through
// Warm. A plugin that fails is recorded with its error and left out of
// routing; only a failing store is an error.
func (m *Manager) LoadAll(ctx context.Context, builtins map[string]Builtin) error {
	m.op.Lock()
	defer m.op.Unlock()
	recs, err := m.store.ListPlugins(ctx)
	if err != nil {
		return fmt.Errorf("plugin: list: %w", err)
	}
	stored := make(map[string]ports.PluginRecord, len(recs))
	for _, r := range recs {
		stored[r.ID] = r
	}
	m.mu.Lock()
	for k, v := range builtins {
		m.builtins[k] = v
	}
	m.mu.Unlock()
	keys := make([]string, 0, len(builtins))
	for k := range builtins {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var todo []ports.PluginRecord
	for _, key := range keys {
		rec, ok := stored[key]
		if ok && !rec.BuiltIn {
			continue // an installed plugin replaces the built-in of the same id
		}
		todo = append(todo, m.builtinRecord(key, rec, ok))
	}
	for _, rec := range recs {
		if !rec.BuiltIn {
			todo = append(todo, rec)
		}
	}
	// Describing a module whose describe is not known yet compiles it:
	// independent work, done on every core at once.
	prepared := make([]*entry, len(todo))
	parallel(len(todo), func(i int) { prepared[i] = m.prepare(ctx, todo[i]) })
	for _, e := range prepared {
		if e.rec.BuiltIn || e.rec.Info != stored[e.rec.ID].Info {
			if err := m.store.SavePlugin(ctx, &e.rec); err != nil {
				return fmt.Errorf("plugin: save %s: %w", e.rec.ID, err)
			}
		}
		m.setEntry(e)
	}
	for _, rec := range recs {
		if _, ok := builtins[rec.ID]; rec.BuiltIn && !ok {
			rec.LastError = "built-in module is not part of this build"
			m.setEntry(&entry{rec: rec})
		}
	}
	m.publish()
	m.reportStates(ctx)
	m.follow()
	return nil
}

// builtinRecord is the record of built-in key: the stored one (keeping the
// admin's enabled choice and limits) or a new, enabled one.
func (m *Manager) builtinRecord(key string, rec ports.PluginRecord, stored bool) ports.PluginRecord {
	b := m.builtin(key)
	digest := b.Digest
	if digest == "" {
		sum := sha256.Sum256(b.Module())
		digest = hex.EncodeToString(sum[:])
	}
	if !stored {
		rec = ports.PluginRecord{ID: key, Name: key, Format: key, Enabled: true, CreatedAt: m.opts.Clock.Now()}
	}
	if rec.Digest != digest {
		rec.Info = nil // another build: what it describes is not known yet
	}
	if b.Info != nil {
		info := *b.Info
		rec.Info = &info
	}
	rec.BuiltIn, rec.Digest, rec.UpdatedAt = true, digest, m.opts.Clock.Now()
	return rec
}

// prepare registers an enabled record's module with the runtime and
// returns its entry; a record whose describe is unknown is described first.
func (m *Manager) prepare(ctx context.Context, rec ports.PluginRecord) *entry {
	e := &entry{rec: rec}
	if rec.Info != nil {
		e.info = *rec.Info
	}
	if !rec.Enabled {
		return e
	}
	if rec.Info == nil {
		info, err := m.describe(ctx, rec)
		if err != nil {
			e.rec.LastError = err.Error()
			m.opts.Log.Error("plugin: load failed", "plugin", rec.ID, "err", err)
			return e
		}
		e.info, e.rec.Info = info, &info
		e.rec.Format, e.rec.Version = info.Key, firstNonEmpty(e.rec.Version, info.Version)
		if e.rec.BuiltIn {
			e.rec.Version = info.Version
		}
	}
	if err := m.rt.Register(ctx, rec.ID, m.source(e.rec), m.limits(rec.Limits), e.info.Key); err != nil {
		e.rec.LastError = err.Error()
		return e
	}
	e.loaded, e.rec.LastError = true, ""
	return e
}

// describe loads rec's module under a temporary id to learn what it
// describes, then unloads it (the compiled code stays in the cache).
func (m *Manager) describe(ctx context.Context, rec ports.PluginRecord) (ports.FormatInfo, error) {
	mod, err := m.module(ctx, rec)
	if err != nil {
		return ports.FormatInfo{}, err
	}
	tmp := fmt.Sprintf("describe-tmp-%d", m.seq.Add(1))
	info, err := m.load(ctx, tmp, mod, rec.Limits)
	if err != nil {
		return ports.FormatInfo{}, err
	}
	_ = m.rt.Unload(ctx, tmp)
	return info, nil
}

// source reads rec's module when the runtime needs it.
func (m *Manager) source(rec ports.PluginRecord) ports.ModuleSource {
	return func(ctx context.Context) ([]byte, error) { return m.module(ctx, rec) }
}

// parallel runs fn(0..n-1) on as many goroutines as there are cores.
func parallel(n int, fn func(i int)) {
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
}

// load runs the module in the runtime under id and checks describe; a module
// whose contract is wrong is unloaded again.
func (m *Manager) load(ctx context.Context, id string, mod []byte, l ports.PluginLimits) (ports.FormatInfo, error) {
	info, err := m.rt.Load(ctx, id, mod, m.limits(l))
	if err != nil {
		return ports.FormatInfo{}, &ports.InvalidError{Field: "module", Message: "describe failed: " + err.Error()}
	}
	if err := checkInfo(info); err != nil {
		_ = m.rt.Unload(ctx, id)
		return ports.FormatInfo{}, err
	}
	return info, nil
}

// module returns the bytes of a plugin's module.
func (m *Manager) module(ctx context.Context, rec ports.PluginRecord) ([]byte, error) {
	if rec.BuiltIn {
		if b := m.builtin(rec.ID); b.Module != nil {
			return b.Module(), nil
		}
		return nil, fmt.Errorf("plugin: built-in %s is not part of this build: %w", rec.ID, ports.ErrNotFound)
	}
	rc, _, err := m.blobs.Open(ctx, rec.Digest)
	if err != nil {
		return nil, fmt.Errorf("plugin: open module of %s: %w", rec.ID, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, m.opts.MaxModuleBytes+1))
	if err != nil {
		return nil, fmt.Errorf("plugin: read module of %s: %w", rec.ID, err)
	}
	if int64(len(b)) > m.opts.MaxModuleBytes {
		return nil, fmt.Errorf("plugin: module of %s: %w", rec.ID, ports.ErrTooLarge)
	}
	return b, nil
}

func (m *Manager) builtin(id string) Builtin {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.builtins[id]
}

func (m *Manager) limits(l ports.PluginLimits) ports.PluginLimits {
	d := m.opts.Limits
	if l.MemoryPages == 0 {
		l.MemoryPages = d.MemoryPages
	}
	if l.CallTimeout <= 0 {
		l.CallTimeout = d.CallTimeout
	}
	if l.PoolSize <= 0 {
		l.PoolSize = d.PoolSize
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	return l
}

func (m *Manager) setEntry(e *entry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries[e.rec.ID] = e
}

func (m *Manager) entry(id string) (*entry, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	e, ok := m.entries[id]
	if !ok {
		return nil, fmt.Errorf("plugin %q: %w", id, ports.ErrNotFound)
	}
	c := *e
	return &c, nil
}

// publish hands the mounts of every active plugin to the dispatcher.
// Installed plugins come before built-ins, so an installed plugin wins a
// prefix both claim; ties break by id.
func (m *Manager) publish() {
	m.mu.RLock()
	var active []*entry
	for _, e := range m.entries {
		if e.rec.Enabled && e.loaded {
			active = append(active, e)
		}
	}
	m.mu.RUnlock()
	sort.Slice(active, func(i, j int) bool {
		if active[i].rec.BuiltIn != active[j].rec.BuiltIn {
			return !active[i].rec.BuiltIn
		}
		return active[i].rec.ID < active[j].rec.ID
	})
	var routes []dispatch.Route
	for _, e := range active {
		for _, mt := range e.info.Mounts {
			routes = append(routes, dispatch.Route{Prefix: mt.Prefix, Root: mt.Root, PluginID: e.rec.ID, Format: e.info.Key,
				AnonymousPaths: mt.AnonymousPaths, ReadPaths: mt.ReadPaths, Credentials: e.info.Credentials, Grants: grantsOf(e.rec),
				SHA256Bodies: slices.Contains(e.info.Capabilities, ports.CapSHA256Bodies)})
		}
	}
	m.routes.SetRoutes(routes)
}

// clash reports another active plugin serving the same format or a mount prefix of info.
func (m *Manager) clash(id string, info ports.FormatInfo) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, e := range m.entries {
		if e.rec.ID == id || !e.rec.Enabled || !e.loaded {
			continue
		}
		if e.info.Key == info.Key {
			return fmt.Errorf("plugin: format %q is already served by plugin %q; disable it first: %w", info.Key, e.rec.ID, ports.ErrConflict)
		}
		for _, a := range e.info.Mounts {
			for _, b := range info.Mounts {
				if dispatch.Overlap(a.Prefix, b.Prefix) {
					return fmt.Errorf("plugin: mount %q overlaps mount %q of plugin %q: %w", b.Prefix, a.Prefix, e.rec.ID, ports.ErrConflict)
				}
			}
		}
	}
	return nil
}

// grantsOf returns the credential-minting imports a plugin holds: all for
// built-ins, what the admin granted for installed ones.
func grantsOf(rec ports.PluginRecord) []string {
	if rec.BuiltIn {
		return ports.AllGrants
	}
	return rec.Grants
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// isNotFound reports whether err is the not-found sentinel.
func isNotFound(err error) bool { return errors.Is(err, ports.ErrNotFound) }
