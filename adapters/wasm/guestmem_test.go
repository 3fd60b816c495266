package wasm_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/ports"
)

// Instances keep their linear memory outside the Go heap, and closing them
// (here: closing the runtime) returns all of it.
func TestInstanceMemoryIsMappedAndReturned(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("guest memory is mapped on Linux only")
	}
	rt, err := wasm.New(wasm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Load(context.Background(), "generic", genericWasm(t), ports.PluginLimits{}); err != nil {
		t.Fatal(err)
	}
	getX(t, rt)
	var live int64
	for _, n := range rt.IdleMemory("generic") {
		live += int64(n)
	}
	if got := rt.GuestMapped(); live == 0 || got != live {
		t.Fatalf("mapped %d bytes for instances whose memory is %d bytes", got, live)
	}
	if err := rt.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := rt.GuestMapped(); got != 0 {
		t.Fatalf("%d bytes of guest memory still mapped after Close", got)
	}
}
