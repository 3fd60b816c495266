package wasm

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// The call clock (decision 0016): a plugin call's deadline bounds the
// guest's own time. A host import that moves bulk data earns an allowance
// proportional to its bytes (hostFloorThroughput); the time it takes, up to
// that allowance, is added to the call's budget instead of eating the
// guest's. Everything else an import does counts as the guest's time, as
// before. The allowance one call may use is capped (maxHostAllowance), so a
// guest calling imports in a loop is still stopped: a call's wall time is at
// most its timeout plus the allowance its imports used.
var (
	// hostFloorThroughput is the slowest rate, in bytes per second, at
	// which bulk host work is still expected to progress on a loaded
	// machine: 300 MiB earn 37.5 s.
	hostFloorThroughput int64 = 8 << 20
	// maxHostAllowance caps the allowance of one call (2.3 GiB at the floor).
	maxHostAllowance = 5 * time.Minute
)

// errGuestDeadline is the cause of a call's context when its clock ran
// out; the call then fails with ErrDeadline.
var errGuestDeadline = errors.New("the call's time is spent")

// callClock stops a call (cancels its context, which raises the guest's
// stop flag and ends any import's I/O) once the guest's own time exceeds
// the timeout. One timer per call; entering and leaving an import takes a
// lock and reads the clock, nothing more, unless an allowance was used.
type callClock struct {
	mu      sync.Mutex
	start   time.Time
	budget  time.Duration // the timeout plus the allowance imports used
	timer   *time.Timer
	armed   time.Time // when the timer fires
	stop    context.CancelCauseFunc
	expired bool
	// The import in progress: since it began (zero while the guest runs)
	// and what its bytes earned; and the allowance the call used in all.
	entered time.Time
	earned  time.Duration
	total   time.Duration
}

// startClock starts the clock of a call with budget timeout; stop is called
// with errGuestDeadline when the time is spent.
func (c *callClock) startClock(timeout time.Duration, stop context.CancelCauseFunc) {
	c.start = time.Now()
	c.budget = timeout
	c.stop = stop
	c.armed = c.start.Add(timeout)
	c.mu.Lock() // fire may run before AfterFunc returns
	c.timer = time.AfterFunc(timeout, c.fire)
	c.mu.Unlock()
}

// running reports whether the clock was started.
func (c *callClock) running() bool { return c.timer != nil }

// halt stops the timer at the end of the call.
func (c *callClock) halt() { c.timer.Stop() }

// deadline is when the call runs out of time (c.mu held): the budget, plus
// the allowance of the import in progress.
func (c *callClock) deadline() time.Time {
	d := c.start.Add(c.budget)
	if !c.entered.IsZero() {
		d = d.Add(c.earned)
	}
	return d
}

func (c *callClock) fire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.expired {
		return
	}
	d := c.deadline()
	if wait := time.Until(d); wait > 0 {
		c.armed = d
		c.timer.Reset(wait)
		return
	}
	c.expire()
}

// expire ends the call (c.mu held).
func (c *callClock) expire() {
	c.expired = true
	c.stop(errGuestDeadline)
}

// enter marks the start of an import.
func (c *callClock) enter() {
	c.mu.Lock()
	c.entered = time.Now()
	c.earned = 0
	c.mu.Unlock()
}

// leave marks the end of an import: the time it took, up to what its bytes
// earned, is added to the budget.
func (c *callClock) leave() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.earned > 0 {
		used := min(now.Sub(c.entered), c.earned)
		c.budget += used
		c.total += used
	}
	c.entered = time.Time{}
	c.earned = 0
	if c.expired {
		return
	}
	d := c.deadline()
	switch {
	case !now.Before(d):
		c.expire()
	case c.armed.After(d):
		// The timer was pushed out for the import's allowance, of which
		// less was used: bring it back to the guest's deadline.
		c.armed = d
		c.timer.Reset(d.Sub(now))
	}
}

// earn grants the import in progress the time to move n bytes at the floor
// throughput, within what the call has left of maxHostAllowance.
func (c *callClock) earn(n int64) {
	if n <= 0 {
		return
	}
	a := maxHostAllowance
	if n < int64(maxHostAllowance/time.Second)*hostFloorThroughput {
		a = time.Duration(n) * time.Second / time.Duration(hostFloorThroughput)
	}
	c.mu.Lock()
	if !c.entered.IsZero() {
		c.earned = min(c.earned+a, maxHostAllowance-c.total)
	}
	c.mu.Unlock()
}

// earn grants the import running under ctx the allowance of n bytes (no-op
// outside a call).
func earn(ctx context.Context, n int64) {
	if cs := stateOf(ctx); cs != nil && cs.clock.running() {
		cs.clock.earn(n)
	}
}

// maxKnownSizes bounds the blob sizes a call remembers.
const maxKnownSizes = 64

// know remembers the size of a blob the call can name (its request body,
// blobs its imports built), so an import scanning it earns its allowance.
func (cs *callState) know(b ports.Body) {
	if b.Digest != "" && len(cs.sizes) < maxKnownSizes {
		cs.sizes = append(cs.sizes, b)
	}
}

// sizeOf is the size of a blob the call knows, else 0.
func (cs *callState) sizeOf(digest string) int64 {
	for _, b := range cs.sizes {
		if b.Digest == digest {
			return b.Size
		}
	}
	return 0
}
