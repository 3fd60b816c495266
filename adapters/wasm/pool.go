package wasm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm/yieldpoint"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
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

	sem  chan struct{}
	idle chan *instance

	inflight sync.WaitGroup
	closeMu  sync.Mutex
	closed   bool
}

func (g *generation) newInstance(ctx context.Context) (*instance, error) {
	lw := newLogWriter(g.owner.log, g.id)
	cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize").
		WithSysWalltime().WithSysNanotime().WithStdout(lw).WithStderr(lw).
		WithRandSource(randReader{})
	mod, err := g.rt.InstantiateModule(ctx, g.compiled, cfg)
	if err != nil {
		return nil, fmt.Errorf("instantiate: %w", err)
	}
	in := &instance{mod: mod, mem: mod.Memory(), fns: map[string]api.Function{}, posts: map[string]api.Function{}, logw: lw}
	if in.mem == nil {
		_ = mod.Close(ctx)
		return nil, errors.New("instantiate: module exports no memory")
	}
	if g, ok := mod.ExportedGlobal(yieldpoint.StopExport).(api.MutableGlobal); ok {
		in.stop = g
	} else {
		_ = mod.Close(ctx)
		return nil, errors.New("instantiate: module has no yield-point stop flag")
	}
	in.realloc = mod.ExportedFunction("cabi_realloc")
	if in.realloc == nil {
		_ = mod.Close(ctx)
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

// acquire takes a pool slot (waiting under ctx) and an idle or new instance.
func (g *generation) acquire(ctx context.Context) (*instance, error) {
	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for an instance: %w", ctx.Err())
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
	in, err := g.newInstance(ictx)
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
	_ = in.mod.Close(context.Background())
	<-g.sem
}

// close waits for in-flight calls, then closes the runtime and its instances.
func (g *generation) close() {
	g.inflight.Wait()
	g.closeMu.Lock()
	defer g.closeMu.Unlock()
	if g.closed {
		return
	}
	g.closed = true
	for {
		select {
		case in := <-g.idle:
			_ = in.mod.Close(context.Background())
			continue
		default:
		}
		break
	}
	_ = g.rt.Close(context.Background())
}
