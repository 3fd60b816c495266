package wasm

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// memoryModule is a core module that only exports one page of memory.
var memoryModule = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
	0x05, 0x03, 0x01, 0x00, 0x01, // memory section: one memory, min 1 page
	0x07, 0x07, 0x01, 0x03, 'm', 'e', 'm', 0x02, 0x00, // export "mem"
}

// fuzzMemory returns a fresh 64 KiB linear memory.
func fuzzMemory(t testing.TB) api.Memory {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	t.Cleanup(func() { rt.Close(ctx) })
	mod, err := rt.Instantiate(ctx, memoryModule)
	if err != nil {
		t.Fatal(err)
	}
	return mod.Memory()
}

// FuzzLiftResults lays arbitrary bytes out as guest memory and lifts a
// handle result, a describe result and a bytes result from it, as the host
// does with what a (possibly hostile) plugin returns: it must never panic,
// and a failure is errMalformed, never a partial value beyond the budget.
func FuzzLiftResults(f *testing.F) {
	ok := bytesImage([]byte("payload")).finish(64)
	f.Add(append(make([]byte, 64), ok...), uint32(64))
	f.Add(make([]byte, 128), uint32(0))
	f.Add([]byte{0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, uint32(0))
	mem := fuzzMemory(f)
	f.Fuzz(func(t *testing.T, image []byte, p uint32) {
		if len(image) > 1<<16 {
			return
		}
		buf, _ := mem.Read(0, mem.Size())
		clear(buf)
		mem.Write(0, image)
		p %= 1 << 16
		const budget = 1 << 14
		r := &reader{mem: mem, budget: budget}
		resp := fromResponse(r.liftResponse(p))
		if r.err == nil && int64(len(resp.Body)) > budget {
			t.Fatalf("body of %d bytes beyond the budget", len(resp.Body))
		}
		r = &reader{mem: mem, budget: budget}
		r.liftPluginError(p)
		r = &reader{mem: mem, budget: budget}
		r.describeResult(p)
		r = &reader{mem: mem, budget: budget}
		b := r.bytes(p + 4)
		if int64(len(b)) > budget {
			t.Fatalf("%d bytes beyond the budget", len(b))
		}
	})
}

// FuzzLowerLift lowers a bytes result into guest memory at an arbitrary
// base and lifts it back: the bytes must survive the round trip.
func FuzzLowerLift(f *testing.F) {
	f.Add([]byte("hello"), uint16(8))
	f.Add([]byte{}, uint16(0))
	mem := fuzzMemory(f)
	f.Fuzz(func(t *testing.T, data []byte, base uint16) {
		b := uint32(base) &^ 3
		img := bytesImage(data).finish(b)
		if uint64(b)+uint64(len(img)) > uint64(mem.Size()) {
			return
		}
		if !mem.Write(b, img) {
			t.Fatal("write")
		}
		r := &reader{mem: mem, budget: 1 << 20}
		got := r.bytes(b + 4)
		if r.err != nil || string(got) != string(data) {
			t.Fatalf("round trip: %q %v, want %q (ptr %d)", got, r.err, data, binary.LittleEndian.Uint32(img[4:]))
		}
	})
}

// bytesImage lays out an ok result<list<u8>, string> as an import returns it.
func bytesImage(b []byte) *enc {
	e := &enc{}
	e.alloc(12, 4)
	e.bytes(4, b)
	return e
}
