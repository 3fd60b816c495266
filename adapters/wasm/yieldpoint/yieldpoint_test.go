package yieldpoint_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm/yieldpoint"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Hand-assembled modules (binary format: https://webassembly.github.io/spec/core/binary/).
func leb(v uint32) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func vec(items ...[]byte) []byte {
	out := leb(uint32(len(items)))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

func sec(id byte, payload []byte) []byte {
	return append(append([]byte{id}, leb(uint32(len(payload)))...), payload...)
}

func body(locals []byte, code ...byte) []byte {
	b := append(append([]byte{}, locals...), code...)
	return append(leb(uint32(len(b))), b...)
}

func name(s string) []byte { return append(leb(uint32(len(s))), s...) }

// module: type 0 = (i32) -> i32; functions (all type 0):
//
//	0 spin(n)  : loop forever
//	1 count(n) : return n after n loop iterations
//	2..6 nest_k(n): loop n times calling nest_{k-1} (nest_0 = count)
//	7 rec(n)   : calls itself n times, no loop
func testModule() []byte {
	m := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	m = append(m, sec(1, vec([]byte{0x60, 1, 0x7f, 1, 0x7f}))...)
	m = append(m, sec(3, vec([]byte{0}, []byte{0}, []byte{0}, []byte{0}, []byte{0}, []byte{0}, []byte{0}, []byte{0}))...)
	m = append(m, sec(5, vec([]byte{0, 1}))...) // one memory, 1 page
	m = append(m, sec(7, vec(
		append(name("spin"), 0, 0), append(name("count"), 0, 1),
		append(name("nest"), 0, 6), append(name("rec"), 0, 7),
		append(name("memory"), 2, 0)))...)
	spin := body([]byte{0}, 0x03, 0x40, 0x0c, 0, 0x0b, 0x41, 0, 0x0b)
	// local 1 = i; loop { i++; br_if 0 (i < n) }; return i
	count := body([]byte{1, 1, 0x7f},
		0x03, 0x40,
		0x20, 1, 0x41, 1, 0x6a, 0x21, 1,
		0x20, 1, 0x20, 0, 0x48, 0x0d, 0,
		0x0b, 0x20, 1, 0x0b)
	nest := func(callee byte) []byte {
		// local 1 = i; loop { call callee(n) drop; i++; br_if 0 (i < n) }; return n
		return body([]byte{1, 1, 0x7f},
			0x03, 0x40,
			0x20, 0, 0x10, callee, 0x1a,
			0x20, 1, 0x41, 1, 0x6a, 0x21, 1,
			0x20, 1, 0x20, 0, 0x48, 0x0d, 0,
			0x0b, 0x20, 0, 0x0b)
	}
	// if n == 0 return 0 else return rec(n-1)+1
	rec := body([]byte{0}, 0x20, 0, 0x45, 0x04, 0x7f, 0x41, 0, 0x05,
		0x20, 0, 0x41, 1, 0x6b, 0x10, 7, 0x41, 1, 0x6a, 0x0b, 0x0b)
	m = append(m, sec(10, vec(spin, count, nest(1), nest(2), nest(3), nest(4), nest(5), rec))...)
	return m
}

func instantiate(t *testing.T, mod []byte) (api.Module, api.MutableGlobal) {
	t.Helper()
	ctx := context.Background()
	out, st, err := yieldpoint.Rewrite(mod, 100)
	if err != nil {
		t.Fatal(err)
	}
	if st.Functions == 0 {
		t.Fatalf("stats %+v", st)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCloseOnContextDone(false))
	t.Cleanup(func() { rt.Close(ctx) })
	m, err := rt.Instantiate(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := m.ExportedGlobal(yieldpoint.StopExport).(api.MutableGlobal)
	if !ok {
		t.Fatal("no stop flag exported")
	}
	return m, g
}

func TestSemanticsKept(t *testing.T) {
	m, _ := instantiate(t, testModule())
	ctx := context.Background()
	for _, c := range []struct {
		fn   string
		n    uint64
		want uint64
	}{{"count", 1, 1}, {"count", 12345, 12345}, {"nest", 3, 3}, {"rec", 500, 500}} {
		res, err := m.ExportedFunction(c.fn).Call(ctx, c.n)
		if err != nil || res[0] != c.want {
			t.Fatalf("%s(%d) = %v, %v; want %d", c.fn, c.n, res, err, c.want)
		}
	}
}

// stopAfter raises the flag after d and returns how long the call ran on.
func stopAfter(t *testing.T, fn string, arg uint64, d time.Duration) time.Duration {
	t.Helper()
	m, stop := instantiate(t, testModule())
	time.AfterFunc(d, func() { stop.Set(1) })
	start := time.Now()
	_, err := m.ExportedFunction(fn).Call(context.Background(), arg)
	if err == nil {
		t.Fatalf("%s: finished without being stopped", fn)
	}
	return time.Since(start) - d
}

func TestStopEndsAnInfiniteLoop(t *testing.T) {
	if late := stopAfter(t, "spin", 0, 50*time.Millisecond); late > time.Second {
		t.Fatalf("stopped %v after the flag", late)
	}
}

// Work spread over nested calls (each level loops fewer times than the
// budget) still counts: 1000^6 iterations could never finish.
func TestNestingCannotHideWork(t *testing.T) {
	if late := stopAfter(t, "nest", 1000, 50*time.Millisecond); late > time.Second {
		t.Fatalf("stopped %v after the flag", late)
	}
}

// A guest in a loop yields to Go: a garbage collection (which stops the
// world and must wait for every goroutine) completes while it spins.
func TestGuestYieldsToTheGarbageCollector(t *testing.T) {
	m, stop := instantiate(t, testModule())
	done := make(chan error, 1)
	go func() {
		_, err := m.ExportedFunction("spin").Call(context.Background(), 0)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond) // the guest is spinning
	gc := make(chan time.Duration, 1)
	go func() {
		start := time.Now()
		runtime.GC()
		gc <- time.Since(start)
	}()
	select {
	case d := <-gc:
		t.Logf("GC took %v beside a spinning guest", d)
	case <-time.After(5 * time.Second):
		stop.Set(1)
		t.Fatal("GC blocked by a spinning guest")
	}
	stop.Set(1)
	if err := <-done; err == nil {
		t.Fatal("spin returned without error")
	}
}

func TestRefusals(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  []byte
	}{
		{"not wasm", []byte("hello")},
		{"truncated", testModule()[:40]},
		{"tail call", func() []byte {
			m := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
			m = append(m, sec(1, vec([]byte{0x60, 0, 0}))...)
			m = append(m, sec(3, vec([]byte{0}))...)
			m = append(m, sec(5, vec([]byte{0, 1}))...)
			return append(m, sec(10, vec(body([]byte{0}, 0x12, 0, 0x0b)))...)
		}()},
		{"no memory", func() []byte {
			m := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
			m = append(m, sec(1, vec([]byte{0x60, 0, 0}))...)
			m = append(m, sec(3, vec([]byte{0}))...)
			return append(m, sec(10, vec(body([]byte{0}, 0x0b)))...)
		}()},
	} {
		if _, _, err := yieldpoint.Rewrite(c.mod, 0); err == nil {
			t.Errorf("%s: rewritten without error", c.name)
		}
	}
	var ue *yieldpoint.UnsupportedError
	m := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	m = append(m, sec(1, vec([]byte{0x60, 0, 0}))...)
	m = append(m, sec(3, vec([]byte{0}))...)
	m = append(m, sec(5, vec([]byte{0, 1}))...)
	m = append(m, sec(10, vec(body([]byte{0}, 0x12, 0, 0x0b)))...)
	if _, _, err := yieldpoint.Rewrite(m, 0); !errors.As(err, &ue) {
		t.Fatalf("tail call: %v", err)
	}
}

// Every built-in plugin rewrites and still compiles.
func TestBuiltinsRewrite(t *testing.T) {
	files, _ := filepath.Glob("../builtin/wasm/*.wasm")
	if len(files) == 0 {
		t.Skip("built-in plugins not built (go tool task plugins)")
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(wazero.NewCompilationCache()))
	defer rt.Close(ctx)
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	out, st, err := yieldpoint.Rewrite(b, 0)
	if err != nil {
		t.Fatalf("%s: %v", files[0], err)
	}
	t.Logf("%s: %d functions, %d loops, %d → %d bytes", filepath.Base(files[0]), st.Functions, st.Loops, len(b), len(out))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := yieldpoint.Rewrite(b, 0); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
}

func FuzzRewrite(f *testing.F) {
	f.Add(testModule())
	f.Fuzz(func(t *testing.T, mod []byte) {
		out, _, err := yieldpoint.Rewrite(mod, 7)
		if err != nil {
			return
		}
		// Whatever it accepts, it must not have produced a module the
		// runtime's validator refuses when the input was valid.
		ctx := context.Background()
		rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(nil))
		defer rt.Close(ctx)
		if _, err := rt.CompileModule(ctx, mod); err != nil {
			return
		}
		if _, err := rt.CompileModule(ctx, out); err != nil {
			t.Fatalf("valid module rewritten into an invalid one: %v", err)
		}
	})
}

func BenchmarkRewriteBuiltin(b *testing.B) {
	files, _ := filepath.Glob("../builtin/wasm/*.wasm")
	if len(files) == 0 {
		b.Skip("built-in plugins not built")
	}
	mod, err := os.ReadFile(files[0])
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(mod)))
	for b.Loop() {
		if _, _, err := yieldpoint.Rewrite(mod, 0); err != nil {
			b.Fatal(err)
		}
	}
}
