package wasm

import (
	"bytes"
	"testing"
)

// TestEncPooledImageMatchesFresh lowers the same value into a pooled buffer
// left dirty by a larger image and into a fresh one: the pool must hand out
// a buffer whose reused bytes come out as zero, or stale bytes of an earlier
// call would reach the guest.
func TestEncPooledImageMatchesFresh(t *testing.T) {
	build := func(e *enc, s string) []byte {
		o := e.alloc(24, 8)
		e.str(o, s)
		e.u32(o+16, uint32(len(s))) // bytes 20-23 stay padding
		return e.finish(4096)
	}
	for range 4 { // dirty whatever buffers the pool holds
		var e enc
		img := build(&e, "a first image, longer than the next one")
		for i := range img {
			img[i] = 0xee
		}
		e.recycle()
	}
	var pooled enc
	got := append([]byte(nil), build(&pooled, "short")...)
	if pooled.pooled == nil {
		t.Fatal("the image did not come from the pool")
	}
	pooled.recycle()
	fresh := enc{buf: []byte{}}
	want := build(&fresh, "short")
	if !bytes.Equal(got, want) {
		t.Fatalf("pooled image differs from a fresh one:\n% x\n% x", got, want)
	}
}
