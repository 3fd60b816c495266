package wasm_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// serving checks that the generic plugin loaded beside a misbehaving one still answers.
func serving(t *testing.T, rt *wasm.Runtime) {
	t.Helper()
	h := porttest.NewMemHost()
	h.AddFile("x", []byte("x"))
	resp, err := rt.Handle(context.Background(), "generic", ports.FormatRequest{Method: "GET", Path: "/x", Repo: repo(nil)}, h)
	if err != nil || resp.ServePath != "x" {
		t.Fatalf("generic stopped serving: %v %+v", err, resp)
	}
}

func loadBoth(t *testing.T, name string, lim ports.PluginLimits) *wasm.Runtime {
	t.Helper()
	rt := newRuntime(t)
	ctx := context.Background()
	if _, err := rt.Load(ctx, "generic", genericWasm(t), ports.PluginLimits{}); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Load(ctx, name, testPlugin(t, name), lim); err != nil {
		t.Fatal(err)
	}
	return rt
}

func call(rt *wasm.Runtime, id, method string) (ports.FormatResponse, error) {
	return rt.Handle(context.Background(), id, ports.FormatRequest{Method: method, Path: "/p", Repo: repo(nil)}, porttest.NewMemHost())
}

func TestInfiniteLoopHitsDeadline(t *testing.T) {
	rt := loadBoth(t, "loop", ports.PluginLimits{CallTimeout: 300 * time.Millisecond, PoolSize: 1})
	for i := 0; i < 2; i++ {
		_, err := call(rt, "loop", "POST")
		if !errors.Is(err, wasm.ErrDeadline) {
			t.Fatalf("want deadline error, got %v", err)
		}
		serving(t, rt)
		// The trapped instance was discarded; a fresh one answers.
		if resp, err := call(rt, "loop", "GET"); err != nil || resp.Status != 200 {
			t.Fatalf("after deadline: %v %+v", err, resp)
		}
	}
	st, _ := rt.Stats("loop")
	if st.Traps != 2 || st.Errors != 2 || !strings.Contains(st.LastError, "deadline") {
		t.Fatalf("stats %+v", st)
	}
}

func TestUnboundedAllocationTraps(t *testing.T) {
	rt := loadBoth(t, "alloc", ports.PluginLimits{MemoryPages: 512, PoolSize: 1})
	_, err := call(rt, "alloc", "POST")
	if !errors.Is(err, wasm.ErrTrap) {
		t.Fatalf("want trap, got %v", err)
	}
	t.Logf("alloc error: %v", err)
	serving(t, rt)
	if resp, err := call(rt, "alloc", "GET"); err != nil || resp.Status != 200 {
		t.Fatalf("after trap: %v %+v", err, resp)
	}
}

func TestPanicBecomesPluginError(t *testing.T) {
	rt := loadBoth(t, "panicky", ports.PluginLimits{PoolSize: 1})
	resp, err := call(rt, "panicky", "POST")
	var pe *wasm.PluginError
	if !errors.As(err, &pe) || pe.Status != 500 || !strings.Contains(pe.Message, "assignment to entry in nil map") {
		t.Fatalf("want plugin error with the panic, got %v", err)
	}
	if resp.Status != 500 || !strings.Contains(string(resp.Body), "nil map") {
		t.Fatalf("error response %+v", resp)
	}
	serving(t, rt)
	if resp, err := call(rt, "panicky", "GET"); err != nil || resp.Status != 200 {
		t.Fatalf("after panic: %v %+v", err, resp)
	}
}

func TestMalformedResultsAreRefused(t *testing.T) {
	rt := loadBoth(t, "malformed", ports.PluginLimits{PoolSize: 2})
	for _, mode := range []string{"BADPTR", "BIGLEN", "MANYHEADERS", "BADTAG", "BADVARIANT", "BADSTR"} {
		_, err := call(rt, "malformed", mode)
		if !errors.Is(err, wasm.ErrTrap) || !strings.Contains(err.Error(), "malformed") {
			t.Fatalf("%s: want malformed-result trap, got %v", mode, err)
		}
		serving(t, rt)
	}
	if resp, err := call(rt, "malformed", "OK"); err != nil || resp.Status != 200 {
		t.Fatalf("well-formed call: %v %+v", err, resp)
	}
}

func TestSandboxHasNoFilesEnvOrNetwork(t *testing.T) {
	rt := loadBoth(t, "sandbox", ports.PluginLimits{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if c, err := ln.Accept(); err == nil {
			c.Close()
			accepted <- struct{}{}
		}
	}()
	resp, err := rt.Handle(context.Background(), "sandbox", ports.FormatRequest{Method: "GET", Path: "/" + ln.Addr().String(), Repo: repo(nil)}, porttest.NewMemHost())
	ln.Close()
	<-done
	select {
	case <-accepted:
		t.Fatal("plugin connected to a host listener")
	default:
	}
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(resp.Body, &got); err != nil {
		t.Fatalf("%s: %v", resp.Body, err)
	}
	if len(got) != 0 {
		t.Fatalf("plugin escaped the sandbox: %v", got)
	}
}
