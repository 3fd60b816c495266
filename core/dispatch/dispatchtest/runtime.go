package dispatchtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// HandleFunc is a fake plugin's handle export.
type HandleFunc func(ctx context.Context, req ports.FormatRequest, host ports.HostCall) (ports.FormatResponse, error)

// Module builds a fake module: the wasm magic followed by describe's answer as JSON.
func Module(info ports.FormatInfo) []byte {
	b, _ := json.Marshal(info)
	return append([]byte("\x00asm"), b...)
}

type loaded struct {
	info  ports.FormatInfo
	calls atomic.Int64
	errs  atomic.Int64
	at    time.Time
}

// Runtime is a fake FormatRuntime: a module is Module(info); handle calls
// the HandleFunc registered for the module's format key. Load replaces a
// module atomically, like the real runtime.
type Runtime struct {
	mu       sync.RWMutex
	mods     map[string]*loaded
	handlers map[string]HandleFunc
	// Calls counts Handle calls that reached a handler.
	Calls atomic.Int64
	// Loads counts successful Load calls; Registers counts Register calls.
	Loads, Registers atomic.Int64

	pending map[string]pendingModule
}

type pendingModule struct {
	src ports.ModuleSource
	key string
}

var _ ports.FormatRuntime = (*Runtime)(nil)

// NewRuntime returns a runtime with no modules.
func NewRuntime() *Runtime {
	return &Runtime{mods: map[string]*loaded{}, handlers: map[string]HandleFunc{}}
}

// SetHandler registers the handle function of every module of format key.
func (r *Runtime) SetHandler(key string, h HandleFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handlers[key] = h
}

// Load parses the fake module; a module without the magic or with bad JSON
// fails like a module whose describe traps.
func (r *Runtime) Load(_ context.Context, id string, module []byte, _ ports.PluginLimits) (ports.FormatInfo, error) {
	if !bytes.HasPrefix(module, []byte("\x00asm")) {
		return ports.FormatInfo{}, errors.New("fake runtime: not a wasm module")
	}
	var info ports.FormatInfo
	if err := json.Unmarshal(module[4:], &info); err != nil {
		return ports.FormatInfo{}, fmt.Errorf("fake runtime: describe trapped: %w", err)
	}
	r.mu.Lock()
	r.mods[id] = &loaded{info: info, at: time.Now()}
	r.mu.Unlock()
	r.Loads.Add(1)
	return info, nil
}

// Register records where id's module comes from; like the real runtime, it
// is read and described on the first Handle.
func (r *Runtime) Register(_ context.Context, id string, src ports.ModuleSource, _ ports.PluginLimits, key string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.mods, id)
	if r.pending == nil {
		r.pending = map[string]pendingModule{}
	}
	r.pending[id] = pendingModule{src: src, key: key}
	r.Registers.Add(1)
	return nil
}

// loadPending loads a registered module on first use.
func (r *Runtime) loadPending(ctx context.Context, id string) error {
	r.mu.RLock()
	p, ok := r.pending[id]
	r.mu.RUnlock()
	if !ok {
		return fmt.Errorf("fake runtime: plugin %q is not loaded", id)
	}
	mod, err := p.src(ctx)
	if err != nil {
		return err
	}
	info, err := r.Load(ctx, id, mod, ports.PluginLimits{})
	if err == nil && p.key != "" && info.Key != p.key {
		err = fmt.Errorf("fake runtime: module describes %q, registered as %q", info.Key, p.key)
	}
	return err
}

func (r *Runtime) Unload(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.mods, id)
	delete(r.pending, id)
	return nil
}

// Loaded reports whether id is loaded or registered (served on first use).
func (r *Runtime) Loaded(id string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.mods[id]
	_, pending := r.pending[id]
	return ok || pending
}

func (r *Runtime) Handle(ctx context.Context, id string, req ports.FormatRequest, host ports.HostCall) (ports.FormatResponse, error) {
	var m *loaded
	var h HandleFunc
	var ok bool
	for try := 0; try < 100 && !ok; try++ { // a concurrent Register may drop what was just loaded
		r.mu.RLock()
		m, ok = r.mods[id]
		if ok {
			h = r.handlers[m.info.Key]
		}
		r.mu.RUnlock()
		if !ok {
			if err := r.loadPending(ctx, id); err != nil {
				return ports.FormatResponse{}, err
			}
		}
	}
	if !ok {
		return ports.FormatResponse{}, fmt.Errorf("fake runtime: plugin %q is not loaded", id)
	}
	if h == nil {
		return ports.FormatResponse{}, fmt.Errorf("fake runtime: no handler for %q", m.info.Key)
	}
	m.calls.Add(1)
	r.Calls.Add(1)
	resp, err := h(ctx, req, host)
	if err != nil {
		m.errs.Add(1)
	}
	return resp, err
}

func (r *Runtime) Stats(id string) (ports.PluginStats, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	m, ok := r.mods[id]
	if !ok {
		if _, ok := r.pending[id]; ok {
			return ports.PluginStats{State: "registered"}, true
		}
		return ports.PluginStats{}, false
	}
	return ports.PluginStats{Calls: m.calls.Load(), Errors: m.errs.Load(), LoadedAt: m.at, State: "loaded"}, true
}
