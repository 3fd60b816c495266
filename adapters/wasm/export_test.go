package wasm

import "time"

// IdleMemory returns the linear-memory bytes of the idle instances of id (tests only).
func (r *Runtime) IdleMemory(id string) []uint32 {
	r.mu.RLock()
	g := r.plugins[id].gen.Load()
	r.mu.RUnlock()
	var out []uint32
	if g == nil {
		return nil
	}
	for {
		select {
		case in := <-g.idle:
			out = append(out, in.mem.Size())
			defer func() { g.idle <- in }()
			continue
		default:
		}
		return out
	}
}

// GuestMapped is the runtime's guest memory mapped outside the Go heap, in
// bytes (tests only).
func (r *Runtime) GuestMapped() int64 { return r.guest.mapped.Load() }

// LoadingPeak is the most plugin loads that ran at once (tests only).
func (r *Runtime) LoadingPeak() int32 { return r.loadingPeak.Load() }

// SetHostAllowance sets the floor throughput (bytes per second) and the cap
// of the allowance bulk imports earn, returning a function restoring them
// (tests only; not for parallel tests).
func SetHostAllowance(floor int64, limit time.Duration) (restore func()) {
	f, l := hostFloorThroughput, maxHostAllowance
	hostFloorThroughput, maxHostAllowance = floor, limit
	return func() { hostFloorThroughput, maxHostAllowance = f, l }
}
