package wasm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm/yieldpoint"
	"github.com/keeper-registry/keeper/ports"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// instance is one instantiated module; single-threaded, owned by one call at a time.
type instance struct {
	mod     api.Module
	mem     api.Memory
	realloc api.Function
	fns     map[string]api.Function
	posts   map[string]api.Function
	logw    *logWriter
	// stop is the yield-point flag: set to 1, the guest traps at its next
	// loop header. stopped records that it was raised (the instance is then
	// discarded, whether or not the guest noticed before returning).
	stop    api.MutableGlobal
	stopped bool
	// g is the generation the instance belongs to.
	g *generation
}

// raiseStop stops the instance's running call at its next yield point.
func (in *instance) raiseStop() { in.stop.Set(1) }

// generation is one loaded version of a plugin: its own wazero runtime (the
// memory limit is per runtime), compiled module and pool of instances.
type generation struct {
	id       string
	rt       wazero.Runtime
	compiled wazero.CompiledModule
	limits   limits
	owner    *Runtime
	log      *slog.Logger // owner.log with the plugin id, built once (not per call)
	// bareDocs is set for modules of contracts before 0.4.0: their rewrite
	// and merge return bare bytes (set by describe, before any other call).
	bareDocs bool
	// held is set for modules that declare rewrite-held (contract 0.9.0).
	held bool

	sem  chan struct{}
	idle chan *instance

	// pins counts in-flight calls; closingBit is set once the generation is
	// being closed, after which it takes no new calls. drained is closed
	// when it is closing and no call is in flight.
	pins      atomic.Int64
	drained   chan struct{}
	lastUse   atomic.Int64 // unix nanoseconds of the last pin
	instances atomic.Int32
	starting  atomic.Int32 // instances being instantiated
	closeMu   sync.Mutex
	closed    bool
}

const closingBit = 1 << 62

// tryPin counts one in-flight call, unless the generation is closing.
func (g *generation) tryPin() bool {
	for {
		v := g.pins.Load()
		if v&closingBit != 0 {
			return false
		}
		if g.pins.CompareAndSwap(v, v+1) {
			g.lastUse.Store(time.Now().UnixNano())
			return true
		}
	}
}

// unpin ends one in-flight call.
func (g *generation) unpin() {
	if g.pins.Add(-1) == closingBit {
		close(g.drained)
	}
}

// retire marks an idle generation closing; false if a call is in flight.
func (g *generation) retire() bool {
	if g.pins.CompareAndSwap(0, closingBit) {
		close(g.drained)
		return true
	}
	return false
}

func (g *generation) isClosing() bool { return g.pins.Load()&closingBit != 0 }

// beginClose stops new calls; drained closes once in-flight ones finish.
func (g *generation) beginClose() {
	for {
		v := g.pins.Load()
		if v&closingBit != 0 {
			return
		}
		if g.pins.CompareAndSwap(v, v|closingBit) {
			if v == 0 {
				close(g.drained)
			}
			return
		}
	}
}

// live is the number of instances alive (busy or idle).
func (g *generation) live() int { return int(g.instances.Load()) }

// drainIdle closes every idle instance (busy ones are untouched) and
// returns how many it closed.
func (g *generation) drainIdle() int {
	n := 0
	for {
		select {
		case in := <-g.idle:
			g.closeInstance(in)
			n++
		default:
			return n
		}
	}
}

func (g *generation) closeInstance(in *instance) {
	_ = in.mod.Close(context.Background())
	g.instances.Add(-1)
}

func (g *generation) newInstance(ctx context.Context) (*instance, error) {
	lw := newLogWriter(g.owner.log, g.id)
	cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize").
		WithSysWalltime().WithSysNanotime().WithStdout(lw).WithStderr(lw).
		WithRandSource(randReader{})
	mod, err := g.rt.InstantiateModule(experimental.WithMemoryAllocator(ctx, g.owner.guest.allocator()), g.compiled, cfg)
	if err != nil {
		return nil, fmt.Errorf("instantiate: %w", err)
	}
	g.instances.Add(1)
	in := &instance{mod: mod, mem: mod.Memory(), fns: map[string]api.Function{}, posts: map[string]api.Function{}, logw: lw, g: g}
	if in.mem == nil {
		g.closeInstance(in)
		return nil, errors.New("instantiate: module exports no memory")
	}
	if stop, ok := mod.ExportedGlobal(yieldpoint.StopExport).(api.MutableGlobal); ok {
		in.stop = stop
	} else {
		g.closeInstance(in)
		return nil, errors.New("instantiate: module has no yield-point stop flag")
	}
	in.realloc = mod.ExportedFunction("cabi_realloc")
	if in.realloc == nil {
		g.closeInstance(in)
		return nil, errors.New("instantiate: module exports no cabi_realloc")
	}
	for _, name := range exportNames {
		if f := mod.ExportedFunction(name); f != nil {
			in.fns[name] = f
		}
		if f := mod.ExportedFunction("cabi_post_" + name); f != nil {
			in.posts[name] = f
		}
	}
	return in, nil
}

// acquire takes a pool slot and an idle or new instance. A full pool is
// waited for at most queueWait (then ports.ErrUnavailable: the caller answers
// 503 and the client retries) or until ctx ends.
func (g *generation) acquire(ctx context.Context) (*instance, error) {
	select {
	case g.sem <- struct{}{}:
	default:
		t := time.NewTicker(g.owner.cfg.QueueWait)
		defer t.Stop()
	wait:
		for {
			select {
			case g.sem <- struct{}{}:
				break wait
			case <-t.C:
				// Instances still starting (a cold or just reloaded pool)
				// will serve soon: keep waiting. Only a pool busy with
				// running calls sheds load.
				if g.starting.Load() == 0 {
					return nil, fmt.Errorf("all %d instances are busy: %w", cap(g.sem), ports.ErrUnavailable)
				}
			case <-ctx.Done():
				return nil, fmt.Errorf("wait for an instance: %w", ctx.Err())
			}
		}
	}
	select {
	case in := <-g.idle:
		return in, nil
	default:
	}
	// Starting an instance runs the guest runtime's initialisation: that is
	// the host's cost, not the caller's, so it has its own bound instead of the
	// call deadline (a loaded machine must not fail the call after a recycle).
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), instantiateTimeout)
	defer cancel()
	g.starting.Add(1)
	in, err := g.newInstance(ictx)
	g.starting.Add(-1)
	if err != nil {
		<-g.sem
		return nil, err
	}
	return in, nil
}

// instantiateTimeout bounds starting one instance (Go's runtime init).
const instantiateTimeout = 30 * time.Second

// release returns an instance to the pool, or closes it when it trapped or
// its memory grew past the recycle threshold (linear memory never shrinks).
func (g *generation) release(in *instance, healthy bool) {
	if healthy && !in.stopped && in.mem.Size() <= g.limits.recycleBytes {
		select {
		case g.idle <- in:
			<-g.sem
			return
		default:
		}
	}
	g.closeInstance(in)
	<-g.sem
}

// close waits for in-flight calls, then closes the runtime and its instances.
func (g *generation) close() {
	g.beginClose()
	<-g.drained
	g.closeMu.Lock()
	defer g.closeMu.Unlock()
	if g.closed {
		return
	}
	g.closed = true
	for {
		select {
		case in := <-g.idle:
			g.closeInstance(in)
			continue
		default:
		}
		break
	}
	// The engine is shared through the compilation cache and keeps compiled
	// code until the module is closed; closing the runtime alone leaks it.
	_ = g.compiled.Close(context.Background())
	_ = g.rt.Close(context.Background())
}
