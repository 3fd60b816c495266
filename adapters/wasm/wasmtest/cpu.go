package wasmtest

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// rusageThread is Linux's RUSAGE_THREAD: the calling thread's CPU time.
const rusageThread = 1

func cpuOf(who int) time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(who, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// MeasureCPU pins the benchmark to its OS thread (wazero runs the guest on
// the calling goroutine) and returns a function, to call after the b.Loop
// loop, that reports the CPU per operation of that thread (thread-ms/op,
// what the guest-speed targets compare) and of the whole process
// (proc-ms/op, garbage collection on other threads included).
func MeasureCPU(b *testing.B) func() {
	runtime.LockOSThread()
	t0, p0 := cpuOf(rusageThread), cpuOf(syscall.RUSAGE_SELF)
	return func() {
		t1, p1 := cpuOf(rusageThread), cpuOf(syscall.RUSAGE_SELF)
		runtime.UnlockOSThread()
		if b.N == 0 {
			return
		}
		b.ReportMetric(float64(t1-t0)/float64(time.Millisecond)/float64(b.N), "thread-ms/op")
		b.ReportMetric(float64(p1-p0)/float64(time.Millisecond)/float64(b.N), "proc-ms/op")
	}
}
