package wasm_test

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func newRuntimeWith(t *testing.T, cfg wasm.Config) *wasm.Runtime {
	t.Helper()
	cfg.CacheDir = wasmtest.CacheDir(t)
	rt, err := wasm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	return rt
}

func getX(t *testing.T, rt *wasm.Runtime) {
	t.Helper()
	h := porttest.NewMemHost()
	h.AddFile("x", []byte("x"))
	resp, err := rt.Handle(context.Background(), "generic", ports.FormatRequest{Method: "GET", Path: "/x", Repo: repo(nil)}, h)
	if err != nil || resp.ServePath != "x" {
		t.Fatalf("call: %v %+v", err, resp)
	}
}

// A registered plugin compiles on first use and is released again when idle.
func TestRegisterCompilesOnFirstUseAndIdleIsReleased(t *testing.T) {
	rt := newRuntimeWith(t, wasm.Config{IdleInstanceTTL: 150 * time.Millisecond, IdleModuleTTL: 400 * time.Millisecond})
	var reads atomic.Int32
	src := func(context.Context) ([]byte, error) { reads.Add(1); return genericWasm(t), nil }
	if err := rt.Register(context.Background(), "generic", src, ports.PluginLimits{}, "generic"); err != nil {
		t.Fatal(err)
	}
	if st, ok := rt.Stats("generic"); !ok || st.State != "registered" || reads.Load() != 0 {
		t.Fatalf("before first use: %+v, %d reads", st, reads.Load())
	}
	getX(t, rt)
	if st, _ := rt.Stats("generic"); st.State != "loaded" || st.Instances != 1 || reads.Load() != 1 {
		t.Fatalf("after first use: %+v, %d reads", st, reads.Load())
	}
	waitFor(t, func() bool { st, _ := rt.Stats("generic"); return st.State == "loaded" && st.Instances == 0 }, "idle instances closed")
	waitFor(t, func() bool { st, _ := rt.Stats("generic"); return st.State == "registered" }, "idle module released")
	getX(t, rt) // compiled again (from the cache) on the next call
	if st, _ := rt.Stats("generic"); st.State != "loaded" || reads.Load() != 2 || st.Calls != 2 {
		t.Fatalf("after release and reuse: %+v, %d reads", st, reads.Load())
	}
}

func TestRegisterChecksTheFormatKey(t *testing.T) {
	rt := newRuntimeWith(t, wasm.Config{})
	src := func(context.Context) ([]byte, error) { return genericWasm(t), nil }
	if err := rt.Register(context.Background(), "generic", src, ports.PluginLimits{}, "npm"); err != nil {
		t.Fatal(err)
	}
	_, err := rt.Handle(context.Background(), "generic", ports.FormatRequest{Method: "GET", Path: "/x", Repo: repo(nil)}, porttest.NewMemHost())
	if err == nil {
		t.Fatal("a module describing another format was served")
	}
	if st, _ := rt.Stats("generic"); st.State != "failed" || st.LastError == "" {
		t.Fatalf("stats %+v", st)
	}
}

// A call that finds every instance busy fails fast with ErrUnavailable (the
// dispatcher answers 503 + Retry-After) instead of waiting out the deadline.
func TestFullPoolIsUnavailableAtOnce(t *testing.T) {
	rt := newRuntimeWith(t, wasm.Config{QueueWait: 50 * time.Millisecond})
	if _, err := rt.Load(context.Background(), "loop", testPlugin(t, "loop"), ports.PluginLimits{CallTimeout: 2 * time.Second, PoolSize: 1}); err != nil {
		t.Fatal(err)
	}
	busy := make(chan error, 1)
	go func() { _, err := call(rt, "loop", "POST"); busy <- err }()
	time.Sleep(200 * time.Millisecond) // the only instance is spinning
	start := time.Now()
	_, err := call(rt, "loop", "GET")
	if !errors.Is(err, ports.ErrUnavailable) || time.Since(start) > time.Second {
		t.Fatalf("second call after %v: %v", time.Since(start), err)
	}
	if err := <-busy; !errors.Is(err, wasm.ErrDeadline) {
		t.Fatalf("spinning call: %v", err)
	}
}

// A plugin stopped at its deadline costs the server no CPU afterwards.
func TestStoppedPluginCostsNoCPU(t *testing.T) {
	rt := loadBoth(t, "loop", ports.PluginLimits{CallTimeout: 200 * time.Millisecond, PoolSize: 2})
	for i := 0; i < 2; i++ {
		if _, err := call(rt, "loop", "POST"); !errors.Is(err, wasm.ErrDeadline) {
			t.Fatalf("want deadline, got %v", err)
		}
	}
	before := processCPU(t)
	time.Sleep(500 * time.Millisecond)
	if used := processCPU(t) - before; used > 100*time.Millisecond {
		t.Fatalf("the process used %v of CPU in 500 ms after the plugins were stopped", used)
	}
}

func processCPU(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// No more than MaxLoaded modules stay compiled: the least recently used
// idle one is released and compiles again on its next call.
func TestMaxLoadedEvictsTheLeastRecentlyUsed(t *testing.T) {
	rt := newRuntimeWith(t, wasm.Config{MaxLoaded: 2, IdleModuleTTL: -1, IdleInstanceTTL: -1})
	ctx := context.Background()
	ids := []string{"a", "b", "c"}
	for _, id := range ids {
		if err := rt.Register(ctx, id, func(context.Context) ([]byte, error) { return genericWasm(t), nil }, ports.PluginLimits{}, "generic"); err != nil {
			t.Fatal(err)
		}
	}
	callID := func(id string) {
		h := porttest.NewMemHost()
		h.AddFile("x", []byte("x"))
		if _, err := rt.Handle(ctx, id, ports.FormatRequest{Method: "GET", Path: "/x", Repo: repo(nil)}, h); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	states := func() string {
		out := ""
		for _, id := range ids {
			st, _ := rt.Stats(id)
			out += id + "=" + st.State + " "
		}
		return out
	}
	callID("a")
	callID("b")
	callID("a") // b is now the least recently used
	callID("c")
	if got := states(); got != "a=loaded b=registered c=loaded " {
		t.Fatalf("after a, b, a, c: %s", got)
	}
	callID("b")
	if got := states(); got != "a=registered b=loaded c=loaded " {
		t.Fatalf("after b again: %s", got)
	}
}

// When MaxLoaded modules are all busy, another plugin is not compiled (its
// memory would exceed the cap): the call waits QueueWait, then is shed.
func TestMaxLoadedIsAHardCap(t *testing.T) {
	rt := newRuntimeWith(t, wasm.Config{MaxLoaded: 1, QueueWait: 100 * time.Millisecond})
	ctx := context.Background()
	lim := ports.PluginLimits{CallTimeout: 3 * time.Second, PoolSize: 1}
	if err := rt.Register(ctx, "loop", func(context.Context) ([]byte, error) { return testPlugin(t, "loop"), nil }, lim, "loop"); err != nil {
		t.Fatal(err)
	}
	if err := rt.Register(ctx, "generic", func(context.Context) ([]byte, error) { return genericWasm(t), nil }, ports.PluginLimits{}, "generic"); err != nil {
		t.Fatal(err)
	}
	busy := make(chan error, 1)
	go func() { _, err := call(rt, "loop", "POST"); busy <- err }()
	waitFor(t, func() bool { st, _ := rt.Stats("loop"); return st.State == "loaded" }, "loop compiled and running")
	time.Sleep(100 * time.Millisecond)
	_, err := rt.Handle(ctx, "generic", ports.FormatRequest{Method: "GET", Path: "/x", Repo: repo(nil)}, porttest.NewMemHost())
	if !errors.Is(err, ports.ErrUnavailable) {
		t.Fatalf("second plugin while the only loaded one is busy: %v", err)
	}
	if err := <-busy; !errors.Is(err, wasm.ErrDeadline) {
		t.Fatalf("spinning call: %v", err)
	}
	getX(t, rt) // the busy one is idle now: released, and generic loads
	if st, _ := rt.Stats("loop"); st.State != "registered" {
		t.Fatalf("loop not released: %+v", st)
	}
}

// Loads take turns, one per core: more at once only add memory.
func TestLoadsTakeTurnsPerCore(t *testing.T) {
	rt := newRuntimeWith(t, wasm.Config{QueueWait: time.Minute})
	ids := []string{"g1", "g2", "g3", "g4", "g5", "g6"}
	for _, id := range ids {
		src := func(context.Context) ([]byte, error) { return genericWasm(t), nil }
		if err := rt.Register(context.Background(), id, src, ports.PluginLimits{}, "generic"); err != nil {
			t.Fatal(err)
		}
	}
	h := porttest.NewMemHost()
	h.AddFile("x", []byte("x"))
	errs := make(chan error, len(ids))
	for _, id := range ids {
		go func() {
			_, err := rt.Handle(context.Background(), id, ports.FormatRequest{Method: "GET", Path: "/x", Repo: repo(nil)}, h)
			errs <- err
		}()
	}
	for range ids {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if peak, cores := rt.LoadingPeak(), runtime.GOMAXPROCS(0); peak < 1 || int(peak) > cores {
		t.Fatalf("%d loads ran at once on %d cores", peak, cores)
	}
}
