package wasmtest

import (
	"crypto/sha256"
	"testing"
)

// TestMeasureCPUReportsThreadAndProcessCPU runs a benchmark that hashes a
// buffer and checks both figures are reported and plausible: the thread's
// CPU per op is positive and no larger than the whole process's.
func TestMeasureCPUReportsThreadAndProcessCPU(t *testing.T) {
	buf := make([]byte, 1<<20)
	r := testing.Benchmark(func(b *testing.B) {
		defer MeasureCPU(b)()
		for b.Loop() {
			sha256.Sum256(buf)
		}
	})
	thread, proc := r.Extra["thread-ms/op"], r.Extra["proc-ms/op"]
	if thread <= 0 || proc <= 0 {
		t.Fatalf("thread-ms/op = %v, proc-ms/op = %v; want both > 0", thread, proc)
	}
	if thread > proc*1.01 {
		t.Fatalf("thread-ms/op %v exceeds proc-ms/op %v", thread, proc)
	}
}
