package wasm_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// slowHost is a host whose concat-ranges takes delay (or until its context
// ends), like a blob store copying hundreds of MiB on a loaded machine.
type slowHost struct {
	*porttest.MemHost
	delay time.Duration
	calls atomic.Int32
	// onCall, if set, runs when concat-ranges is called.
	onCall func()
}

func (h *slowHost) ConcatRanges(ctx context.Context, parts []ports.BlobRange) (ports.Body, error) {
	h.calls.Add(1)
	if h.onCall != nil {
		h.onCall()
	}
	select {
	case <-time.After(h.delay):
	case <-ctx.Done():
		return ports.Body{}, ctx.Err()
	}
	return h.MemHost.ConcatRanges(ctx, parts)
}

// bodyBytes is the request body of the slowhost plugin: with a floor of
// bodyBytes per second, one copy of it earns one second.
const bodyBytes = 1000

// slowResult is what slowCall saw.
type slowResult struct {
	h    *slowHost
	resp ports.FormatResponse
	err  error
	took time.Duration
}

// slowCall loads slowhost with a 200 ms deadline and calls it with method
// on a host whose concat-ranges takes delay, the copy of the body earning
// bodyBytes/floor seconds, at most limit in all.
func slowCall(ctx context.Context, t *testing.T, method string, delay time.Duration, floor int64, limit time.Duration, onCall func()) slowResult {
	t.Helper()
	t.Cleanup(wasm.SetHostAllowance(floor, limit))
	rt := newRuntime(t)
	if _, err := rt.Load(context.Background(), "slowhost", testPlugin(t, "slowhost"), ports.PluginLimits{CallTimeout: 200 * time.Millisecond, PoolSize: 1}); err != nil {
		t.Fatal(err)
	}
	h := &slowHost{MemHost: porttest.NewMemHost(), delay: delay, onCall: onCall}
	body := h.Body(make([]byte, bodyBytes))
	start := time.Now()
	resp, err := rt.Handle(ctx, "slowhost", ports.FormatRequest{Method: method, Path: "/p", Repo: repo(nil), Body: body}, h)
	took := time.Since(start)
	t.Logf("%s: %d imports, %v: %v", method, h.calls.Load(), took, err)
	return slowResult{h: h, resp: resp, err: err, took: took}
}

// An import moving bulk data may take longer than the guest's deadline:
// its bytes earned the time (here 1 s for a 600 ms copy, deadline 200 ms).
func TestSlowBulkImportOutlivesTheGuestDeadline(t *testing.T) {
	r := slowCall(context.Background(), t, "PUT", 600*time.Millisecond, bodyBytes, time.Minute, nil)
	if r.err != nil || r.resp.Status != 201 {
		t.Fatalf("after %v: %v %+v", r.took, r.err, r.resp)
	}
}

// An import slower than its bytes' allowance plus the guest's remaining
// time is stopped, and the call fails with ErrDeadline: never the plugin's
// own error about the failed copy (which the client got as a 500).
func TestImportPastItsAllowanceIsADeadline(t *testing.T) {
	r := slowCall(context.Background(), t, "PUT", 5*time.Second, bodyBytes*10, time.Minute, nil)
	var pe *wasm.PluginError
	if !errors.Is(r.err, wasm.ErrDeadline) || errors.As(r.err, &pe) || r.resp.Status == 500 {
		t.Fatalf("want ErrDeadline, got %v %+v", r.err, r.resp)
	}
	// 200 ms of the guest's + 100 ms earned, stopped mid-copy.
	if r.took < 300*time.Millisecond || r.took > 1300*time.Millisecond {
		t.Fatalf("stopped after %v, want about 300 ms", r.took)
	}
}

// A guest calling a slow import in a loop forever is stopped once the
// allowance its bytes may earn (capped at 1 s here) and its own 200 ms are
// spent, though each import alone is within its allowance.
func TestLoopOverASlowImportIsStopped(t *testing.T) {
	r := slowCall(context.Background(), t, "POST", 50*time.Millisecond, bodyBytes, time.Second, nil)
	if !errors.Is(r.err, wasm.ErrDeadline) {
		t.Fatalf("want ErrDeadline, got %v", r.err)
	}
	if r.took < time.Second || r.took > 2200*time.Millisecond || r.h.calls.Load() < 10 {
		t.Fatalf("stopped after %v and %d imports, want 1.2 s and about 24", r.took, r.h.calls.Load())
	}
}

// The time an import earned is not the guest's: a guest spinning after a
// 500 ms copy still gets its own 200 ms, and no more.
func TestGuestSpinningAfterASlowImportIsStoppedAtItsDeadline(t *testing.T) {
	r := slowCall(context.Background(), t, "PATCH", 500*time.Millisecond, bodyBytes, time.Minute, nil)
	if !errors.Is(r.err, wasm.ErrDeadline) {
		t.Fatalf("want ErrDeadline, got %v", r.err)
	}
	if r.took < 650*time.Millisecond || r.took > 1700*time.Millisecond {
		t.Fatalf("stopped after %v, want about 700 ms", r.took)
	}
}

// The client going away ends an import at once, whatever it earned.
func TestClientGoneStopsASlowImport(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := slowCall(ctx, t, "PUT", 5*time.Second, bodyBytes, time.Minute, func() { time.AfterFunc(100*time.Millisecond, cancel) })
	if !errors.Is(r.err, wasm.ErrCanceled) || r.took > time.Second {
		t.Fatalf("after %v: want ErrCanceled, got %v", r.took, r.err)
	}
}
