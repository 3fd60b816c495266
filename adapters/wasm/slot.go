package wasm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm/yieldpoint"
	"github.com/keeper-registry/keeper/ports"
)

// slot is one plugin id's place in the runtime: where its module comes from
// and, while it is in use, its compiled generation. A slot starts empty
// (registered) and compiles on first use; the reaper empties it again when
// the plugin sat idle, so unused plugins cost no memory.
type slot struct {
	id    string
	owner *Runtime
	lim   limits
	key   string // the format key the module must describe ("" = not checked)
	src   ports.ModuleSource
	st    *counters

	mu      sync.Mutex // serialises compiling
	gen     atomic.Pointer[generation]
	closed  bool
	lastErr string
}

type counters struct {
	calls, errors, traps atomic.Int64
	reloads              atomic.Int64 // swaps of the module (runtime.go)
	mu                   sync.Mutex
	lastError            string
	loadedAt             time.Time
}

func bytesSource(b []byte) ports.ModuleSource {
	return func(context.Context) ([]byte, error) { return b, nil }
}

func (s *slot) setGen(g *generation) {
	s.gen.Store(g)
	s.st.mu.Lock()
	s.st.loadedAt = time.Now()
	s.st.mu.Unlock()
}

// pin returns the generation with one in-flight call counted, compiling it
// when the slot is empty. Callers that find the slot compiling wait for it
// under their own context.
func (s *slot) pin(ctx context.Context) (*generation, error) {
	for {
		if g := s.gen.Load(); g != nil {
			if g.tryPin() {
				return g, nil
			}
			continue // the reaper is closing it; compile a new one
		}
		if err := s.compile(ctx); err != nil {
			return nil, err
		}
	}
}

func (s *slot) compile(ctx context.Context) error {
	locked := make(chan struct{})
	go func() { s.mu.Lock(); close(locked) }()
	select {
	case <-locked:
	case <-ctx.Done():
		go func() { <-locked; s.mu.Unlock() }()
		return fmt.Errorf("wasm: %s: waiting for the module to load: %w: %w", s.id, ports.ErrUnavailable, ctx.Err())
	}
	defer s.mu.Unlock()
	if s.closed {
		return errSlotClosed
	}
	if cur := s.gen.Load(); cur != nil && !cur.isClosing() {
		return nil // another caller compiled it meanwhile
	}
	done, err := s.owner.admit(ctx, s)
	if err != nil {
		return fmt.Errorf("wasm: %s: %w", s.id, err)
	}
	defer done()
	// Loading is CPU-bound (decoding and validating the module) and
	// allocates several times the module's size while it runs: more loads
	// at once than cores only add memory, so they take turns.
	select {
	case s.owner.loads <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("wasm: %s: waiting for the module to load: %w: %w", s.id, ports.ErrUnavailable, ctx.Err())
	}
	defer func() { <-s.owner.loads }()
	if n := s.owner.loading.Add(1); n > s.owner.loadingPeak.Load() {
		s.owner.loadingPeak.Store(n) // tests read it; a racy max is fine
	}
	defer s.owner.loading.Add(-1)
	// Compiling is the host's work, not the caller's: its own bound, and it
	// finishes for the next caller even if this one gave up.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), compileTimeout)
	defer cancel()
	start := time.Now()
	g, err := s.build(cctx)
	if err != nil {
		s.lastErr = err.Error()
		s.owner.log.Error("wasm: plugin failed to load", "plugin", s.id, "err", err)
		return fmt.Errorf("wasm: load %s: %w", s.id, err)
	}
	s.lastErr = ""
	s.setGen(g)
	s.owner.log.Info("wasm: plugin loaded", "plugin", s.id, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// errSlotClosed: the slot was replaced or removed after the caller found it;
// the caller looks the id up again.
var errSlotClosed = errors.New("wasm: plugin slot replaced")

// compileTimeout bounds compiling and describing one module.
const compileTimeout = 2 * time.Minute

func (s *slot) build(ctx context.Context) (*generation, error) {
	module, err := s.src(ctx)
	if err != nil {
		return nil, fmt.Errorf("read module: %w", err)
	}
	g, err := s.owner.compile(ctx, s.id, module, s.lim)
	if err != nil {
		return nil, err
	}
	info, err := g.describe(ctx)
	if err == nil {
		err = checkDescribe(info, s.key)
	}
	if err != nil {
		g.close()
		return nil, err
	}
	return g, nil
}

// release closes the slot's generation (after in-flight calls) for good.
func (s *slot) release() {
	s.mu.Lock()
	s.closed = true
	g := s.gen.Swap(nil)
	s.mu.Unlock()
	if g != nil {
		g.close()
	}
}

// reap closes idle instances, and the whole generation when the plugin has
// not been called for moduleTTL; it reports whether it freed anything.
func (s *slot) reap(now time.Time, instanceTTL, moduleTTL time.Duration) bool {
	g := s.gen.Load()
	if g == nil {
		return false
	}
	idle := now.Sub(time.Unix(0, g.lastUse.Load()))
	if moduleTTL > 0 && idle >= moduleTTL && s.src != nil {
		if g.retire() && s.gen.CompareAndSwap(g, nil) {
			g.close()
			s.owner.log.Info("wasm: idle plugin released", "plugin", s.id, "idle", idle.Round(time.Second))
			return true
		}
		return false
	}
	if instanceTTL > 0 && idle >= instanceTTL {
		return g.drainIdle() > 0
	}
	return false
}

func (s *slot) stats() ports.PluginStats {
	st := s.st
	st.mu.Lock()
	out := ports.PluginStats{Calls: st.calls.Load(), Errors: st.errors.Load(), Traps: st.traps.Load(),
		Reloads: st.reloads.Load(), LastError: st.lastError, LoadedAt: st.loadedAt, State: "registered"}
	st.mu.Unlock()
	s.mu.Lock()
	lastErr := s.lastErr
	s.mu.Unlock()
	if g := s.gen.Load(); g != nil {
		out.State, out.Instances = "loaded", g.live()
	} else if lastErr != "" {
		out.State, out.LastError = "failed", lastErr
	}
	return out
}

// reaper runs reap on every slot periodically until the runtime closes.
func (r *Runtime) reaper() {
	defer close(r.reaperDone)
	every := min(r.cfg.IdleInstanceTTL, r.cfg.IdleModuleTTL) / 3
	if every <= 0 {
		every = max(r.cfg.IdleInstanceTTL, r.cfg.IdleModuleTTL) / 3
	}
	if every <= 0 {
		return // both disabled
	}
	every = max(every, 10*time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-r.stopReaper:
			return
		case now := <-t.C:
			r.mu.RLock()
			slots := make([]*slot, 0, len(r.plugins))
			for _, sl := range r.plugins {
				slots = append(slots, sl)
			}
			r.mu.RUnlock()
			freed := false
			for _, sl := range slots {
				freed = sl.reap(now, r.cfg.IdleInstanceTTL, r.cfg.IdleModuleTTL) || freed
			}
			if freed {
				// Instances and compiled code are large and freed rarely:
				// hand the memory back to the system now, not minutes later.
				debug.FreeOSMemory()
			}
		}
	}
}

// Warm compiles id's module into the compilation cache without keeping it in
// memory, so its first call only loads compiled code. With an on-disk cache
// a marker file per module makes a second Warm of the same module free.
func (r *Runtime) Warm(ctx context.Context, id string) error {
	r.mu.RLock()
	sl := r.plugins[id]
	r.mu.RUnlock()
	if sl == nil {
		return fmt.Errorf("wasm: warm %s: %w", id, ports.ErrNotFound)
	}
	if sl.gen.Load() != nil {
		return nil // compiled already
	}
	module, err := sl.src(ctx)
	if err != nil {
		return fmt.Errorf("wasm: warm %s: %w", id, err)
	}
	marker := r.warmMarker(module)
	if marker != "" {
		if _, err := os.Stat(marker); err == nil {
			return nil
		}
	}
	start := time.Now()
	if err := r.Compile(ctx, module); err != nil {
		return fmt.Errorf("wasm: warm %s: %w", id, err)
	}
	r.log.Info("wasm: plugin compiled into the cache", "plugin", id, "took", time.Since(start).Round(time.Millisecond))
	debug.FreeOSMemory() // compiling allocated far more than it keeps
	if marker != "" {
		_ = os.WriteFile(marker, nil, 0o600)
	}
	return nil
}

// warmMarker names the file recording that module was compiled into the
// on-disk cache by this build of the runtime ("" without a cache dir).
func (r *Runtime) warmMarker(module []byte) string {
	if r.cfg.CacheDir == "" {
		return ""
	}
	h := sha256.New()
	h.Write(module)
	h.Write([]byte(runtimeBuild()))
	return filepath.Join(r.cfg.CacheDir, "keeper-warm-"+hex.EncodeToString(h.Sum(nil)[:16]))
}

// runtimeBuild identifies the compiler that fills the cache: the wazero
// version and the yield-point budget (both change the compiled code).
var runtimeBuild = sync.OnceValue(func() string {
	v := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/tetratelabs/wazero" {
				v = d.Version
			}
		}
	}
	return fmt.Sprintf("wazero %s, yield budget %d", v, yieldpoint.DefaultBudget)
})

// admit reserves room for one more compiled module under MaxLoaded
// (compiled code is the largest cost of a plugin, about 25 MiB each):
// it releases the least recently used idle module if it must, and when every
// loaded module is busy it waits up to QueueWait for one to become idle,
// then fails with ports.ErrUnavailable (the client gets 503 and retries).
// done must be called once the compile finished, whatever its outcome.
func (r *Runtime) admit(ctx context.Context, keep *slot) (done func(), err error) {
	limit := r.cfg.MaxLoaded
	if limit <= 0 {
		return func() {}, nil
	}
	deadline := time.Now().Add(r.cfg.QueueWait)
	for {
		r.loadMu.Lock()
		if r.loadedExcept(keep)+r.compiling < limit {
			r.compiling++
			r.loadMu.Unlock()
			return func() { r.loadMu.Lock(); r.compiling--; r.loadMu.Unlock() }, nil
		}
		r.loadMu.Unlock()
		if r.evictOne(keep, limit) {
			continue
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%d plugins (plugins.max_loaded) are loaded and busy: %w", limit, ports.ErrUnavailable)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for room to load: %w: %w", ports.ErrUnavailable, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// loadedExcept counts the slots holding a compiled module, keep excluded.
func (r *Runtime) loadedExcept(keep *slot) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	n := 0
	for _, sl := range r.plugins {
		if sl != keep && sl.gen.Load() != nil {
			n++
		}
	}
	return n
}

// evictOne releases the least recently used idle compiled module (never
// keep's) and reports whether it did.
func (r *Runtime) evictOne(keep *slot, limit int) bool {
	r.mu.RLock()
	var loaded []*slot
	for _, sl := range r.plugins {
		if sl != keep && sl.gen.Load() != nil {
			loaded = append(loaded, sl)
		}
	}
	r.mu.RUnlock()
	sort.Slice(loaded, func(i, j int) bool { return loaded[i].lastUse() < loaded[j].lastUse() })
	for _, sl := range loaded {
		g := sl.gen.Load()
		if g != nil && g.retire() && sl.gen.CompareAndSwap(g, nil) {
			g.close()
			r.log.Info("wasm: plugin released to stay within plugins.max_loaded", "plugin", sl.id, "max_loaded", limit)
			debug.FreeOSMemory()
			return true
		}
	}
	return false
}

// lastUse is when the slot's module last served a call (0: not loaded).
func (s *slot) lastUse() int64 {
	if g := s.gen.Load(); g != nil {
		return g.lastUse.Load()
	}
	return 0
}
