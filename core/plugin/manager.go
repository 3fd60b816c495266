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
}

// Manager owns the set of loaded plugins. Lifecycle operations are
// serialized; reads (List, Get, Formats) never wait for a compile.
type Manager struct {
	store  ports.PluginStore
	blobs  ports.BlobStore
	rt     ports.FormatRuntime
	routes RouteSetter
	opts   Options
	seq    atomic.Int64

	op sync.Mutex // held for a whole lifecycle operation

	mu       sync.RWMutex
	entries  map[string]*entry
	builtins map[string][]byte
}

// entry is the manager's view of one plugin.
type entry struct {
	rec    ports.PluginRecord
	info   ports.FormatInfo
	loaded bool
}

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
	return &Manager{store: store, blobs: blobs, rt: rt, routes: routes, opts: opts,
		entries: map[string]*entry{}, builtins: map[string][]byte{}}
}

// LoadAll registers the built-in modules (id = format key) and loads every
// enabled plugin. A plugin that fails to load is recorded with its error and
// left out of routing; only a failing store is an error.
func (m *Manager) LoadAll(ctx context.Context, builtins map[string][]byte) error {
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
		if !ok {
			rec = ports.PluginRecord{ID: key, Name: key, Format: key, Enabled: true, CreatedAt: m.opts.Clock.Now()}
		}
		todo = append(todo, rec)
	}
	// Compiling (or reading from the compilation cache) and describing each
	// built-in is independent work: do it on every core at once.
	prepared := make([]*entry, len(todo))
	parallel(len(todo), func(i int) { prepared[i] = m.prepareBuiltin(ctx, todo[i]) })
	for _, e := range prepared {
		if err := m.store.SavePlugin(ctx, &e.rec); err != nil {
			return fmt.Errorf("plugin: save %s: %w", e.rec.ID, err)
		}
		m.setEntry(e)
	}
	for _, rec := range recs {
		if rec.BuiltIn {
			if _, ok := builtins[rec.ID]; !ok {
				rec.LastError = "built-in module is not part of this build"
				m.setEntry(&entry{rec: rec})
			}
			continue
		}
		e := &entry{rec: rec}
		if rec.Enabled {
			m.loadEntry(ctx, e)
		}
		m.setEntry(e)
	}
	m.publish()
	return nil
}

// prepareBuiltin loads a built-in module (when enabled) into an entry.
func (m *Manager) prepareBuiltin(ctx context.Context, rec ports.PluginRecord) *entry {
	mod := m.builtinModule(rec.ID)
	sum := sha256.Sum256(mod)
	rec.BuiltIn, rec.Digest, rec.UpdatedAt = true, hex.EncodeToString(sum[:]), m.opts.Clock.Now()
	e := &entry{rec: rec}
	if rec.Enabled {
		m.loadEntry(ctx, e)
	}
	return e
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

// loadEntry loads e's module under its id and records the outcome in e.
func (m *Manager) loadEntry(ctx context.Context, e *entry) {
	mod, err := m.module(ctx, e.rec)
	if err == nil {
		var info ports.FormatInfo
		if info, err = m.load(ctx, e.rec.ID, mod, e.rec.Limits); err == nil {
			e.info, e.loaded, e.rec.LastError = info, true, ""
			e.rec.Format, e.rec.Version = info.Key, firstNonEmpty(e.rec.Version, info.Version)
			if e.rec.BuiltIn {
				e.rec.Version = info.Version
			}
			return
		}
	}
	e.loaded, e.rec.LastError = false, err.Error()
	m.opts.Log.Error("plugin: load failed", "plugin", e.rec.ID, "err", err)
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
		if mod := m.builtinModule(rec.ID); mod != nil {
			return mod, nil
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

func (m *Manager) builtinModule(id string) []byte {
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
				AnonymousPaths: mt.AnonymousPaths, Credentials: e.info.Credentials, Grants: grantsOf(e.rec)})
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
