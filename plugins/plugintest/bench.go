package plugintest

import (
	"context"
	"syscall"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Modes are the two ways a render benchmark runs a request, in the order
// the benchmarks report them: the plugin in-process, then its .wasm build.
var Modes = []string{"native", "wasm"}

// Bench runs a plugin's benchmarks natively and through its .wasm build
// against the same host.
type Bench struct {
	Plugin sdk.Plugin
	ID     string
	RT     *wasm.Runtime
	// Host is the host both modes run against (a benchmark over several
	// hosts sets it before each Run).
	Host ports.HostCall
	// Measure reports the CPU of a sub-benchmark: wasmtest.MeasureCPU
	// (thread-ms/op, proc-ms/op) when nil, or ReportCPU (cpu-ns/op).
	Measure func(*testing.B) func()
}

// NewBench builds the plugin of moduleDir and loads it as id (LoadWasm),
// to run against h.
func NewBench(b *testing.B, id string, p sdk.Plugin, moduleDir string, limits ports.PluginLimits, h ports.HostCall) *Bench {
	b.Helper()
	return &Bench{Plugin: p, ID: id, RT: LoadWasm(b, id, moduleDir, limits), Host: h}
}

// Call runs req in mode ("native" or "wasm").
func (x *Bench) Call(mode string, req ports.FormatRequest) (ports.FormatResponse, error) {
	if mode == "native" {
		return NativeHandle(x.Plugin, x.Host, req)
	}
	return x.RT.Handle(context.Background(), x.ID, req, x.Host)
}

// Run runs the sub-benchmark name: req in mode b.N times, each answered
// with status want (the benchmark fails otherwise) and followed by after
// (when not nil, e.g. the host's Discard after an upload), reporting the
// CPU per request (Measure).
func (x *Bench) Run(b *testing.B, name, mode string, req ports.FormatRequest, want int, after func()) {
	b.Helper()
	b.Run(name, func(b *testing.B) {
		measure := x.Measure
		if measure == nil {
			measure = wasmtest.MeasureCPU
		}
		defer measure(b)()
		for i := 0; i < b.N; i++ {
			if r, err := x.Call(mode, req); err != nil || r.Status != want {
				b.Fatalf("%s %s (%s): %v, status %d, want %d: %.300s", req.Method, req.Path, mode, err, r.Status, want, r.Body)
			}
			if after != nil {
				after()
			}
		}
	})
}

// Both runs name+"/native" and name+"/wasm" (Run, no after).
func (x *Bench) Both(b *testing.B, name string, req ports.FormatRequest, want int) {
	b.Helper()
	for _, mode := range Modes {
		x.Run(b, name+"/"+mode, mode, req, want, nil)
	}
}

// ReportCPU returns a function, to call after the loop, that reports the process CPU time per op (cpu-ns/op): on a shared,
// loaded machine wall time (ns/op) mostly measures waiting for a core.
func ReportCPU(b *testing.B) func() {
	start := processCPU()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func processCPU() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
