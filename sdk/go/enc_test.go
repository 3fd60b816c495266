package sdk

import (
	"bytes"
	"encoding/binary"
	"testing"
	"unsafe"
)

// TestEncGrowKeepsZeroAndAlignment grows an image across several buffer
// reallocations and checks it stays 8-aligned, keeps earlier bytes and
// hands out zeroed space.
func TestEncGrowKeepsZeroAndAlignment(t *testing.T) {
	var e enc
	var offs []uint32
	for i := range 300 {
		off := e.alloc(uint32(1+i%13), 1<<(i%4))
		if off%(1<<(i%4)) != 0 {
			t.Fatalf("alloc %d: offset %d not aligned to %d", i, off, 1<<(i%4))
		}
		for j := off; j < uint32(len(e.buf)); j++ {
			if e.buf[j] != 0 {
				t.Fatalf("alloc %d: byte %d not zero", i, j)
			}
		}
		e.u8(off, uint8(i))
		offs = append(offs, off)
	}
	if p := uintptr(unsafe.Pointer(unsafe.SliceData(e.buf))); p%8 != 0 {
		t.Fatalf("image at %#x is not 8-aligned", p)
	}
	for i, off := range offs {
		if e.buf[off] != uint8(i) {
			t.Fatalf("byte of alloc %d lost in a reallocation", i)
		}
	}
}

// TestEncBytesInlineOrReferenced checks that short lists are copied and
// relocated while long ones are referenced in place.
func TestEncBytesInlineOrReferenced(t *testing.T) {
	short := []byte("short body")
	long := bytes.Repeat([]byte("x"), inlineMax+1)
	var e enc
	hdr := e.alloc(16, 4)
	e.bytes(hdr, short)
	e.bytes(hdr+8, long)
	const base = 0x1000
	const longAddr = 0x9000
	e.finish(base, func(b []byte) uint32 {
		if &b[0] != &long[0] {
			t.Fatal("reference is not the caller's slice")
		}
		return longAddr
	})
	p, n := binary.LittleEndian.Uint32(e.buf[hdr:]), binary.LittleEndian.Uint32(e.buf[hdr+4:])
	if n != uint32(len(short)) || p < base || !bytes.Equal(e.buf[p-base:p-base+n], short) {
		t.Fatalf("inline list: ptr %#x len %d", p, n)
	}
	p, n = binary.LittleEndian.Uint32(e.buf[hdr+8:]), binary.LittleEndian.Uint32(e.buf[hdr+12:])
	if p != longAddr || n != uint32(len(long)) {
		t.Fatalf("referenced list: ptr %#x len %d", p, n)
	}
	if len(e.buf) > 64 {
		t.Fatalf("long list was copied into the image (%d bytes)", len(e.buf))
	}
}

// TestEncRecycledImageMatchesFresh builds an image, recycles its buffers
// as the wasm glue does once the host consumed it, and checks the next image
// reuses them (no allocation) yet comes out byte-equal to one built fresh:
// recycling must leave no byte, relocation or reference of the previous one.
func TestEncRecycledImageMatchesFresh(t *testing.T) {
	build := func(e *enc, s string, body []byte) {
		o := e.alloc(24, 8)
		e.str(o, s)
		e.bytes(o+8, body)
		e.u32(o+16, uint32(len(s))) // bytes 20-23 stay padding
	}
	addr := func(b []byte) uint32 { return uint32(len(b)) }
	long := bytes.Repeat([]byte("x"), inlineMax+1)
	var first enc
	build(&first, "a longer first string that dirties the buffer", long)
	first.u8(20, 0xee) // in the next image's padding: recycle must zero it
	first.finish(4096, addr)
	kept := unsafe.SliceData(first.buf)
	recycle(&first)
	if first.buf != nil || spare.buf == nil {
		t.Fatalf("recycle kept no spare: %+v", spare)
	}
	var again, fresh enc
	build(&again, "b", []byte("short"))
	if unsafe.SliceData(again.buf) != kept {
		t.Fatalf("the second image did not reuse the recycled buffer")
	}
	if len(again.refs) != 0 {
		t.Fatalf("references of the recycled image survived: %d", len(again.refs))
	}
	spare = enc{}
	build(&fresh, "b", []byte("short"))
	again.finish(8192, addr)
	fresh.finish(8192, addr)
	if !bytes.Equal(again.buf, fresh.buf) || len(again.relocs) != len(fresh.relocs) {
		t.Fatalf("recycled image differs from a fresh one:\n% x\n% x", again.buf, fresh.buf)
	}
	big := enc{buf: alignedBuf(spareMax + 1)[:1], refs: []ref{{b: long}}}
	recycle(&big)
	if spare.buf != nil || big.buf != nil || big.refs != nil {
		t.Fatalf("a buffer over spareMax was kept, or its image still holds its body")
	}
}
