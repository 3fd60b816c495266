package sdk

import (
	"encoding/binary"
	"unsafe"
)

// enc builds a canonical-ABI memory image whose pointers are relative to the
// image start; finish relocates them once the image's guest address is known.
// The image is built in place in an 8-aligned buffer, so the wasm glue hands
// it to the host without another copy; byte lists longer than inlineMax are
// not copied at all but referenced where they are (refs), and the glue
// writes their absolute address and pins them until cabi_post.
// It has no wasm dependency so it is unit-tested natively.
type enc struct {
	buf    []byte // len = image size; the bytes up to cap are always zero
	relocs []uint32
	refs   []ref
}

// ref is a list<u8> left in place: its header at off gets b's address.
type ref struct {
	off uint32
	b   []byte
}

// inlineMax is the longest byte list copied into the image; longer ones
// (response bodies, documents) are referenced in place. Every cost in the
// guest is paid per instruction under the host's termination checks, so
// not copying a large body matters.
const inlineMax = 512

// spare is a consumed image kept for the next one (see recycle): a call's
// fixed cost in the guest is mostly allocation, so the result image of each
// export is built in the previous one's zeroed buffers. The guest runs one
// goroutine and one export at a time, so one spare suffices.
var spare enc

// spareMax is the largest image buffer kept as the spare.
const spareMax = 64 << 10

// recycle makes e's buffers the spare once its image has been consumed:
// zeroed up to their length (nothing is written past it) and emptied. e
// is emptied either way, so it keeps no body reachable.
func recycle(e *enc) {
	if c := cap(e.buf); c > 0 && c <= spareMax {
		clear(e.buf)
		clear(e.refs) // drop the references to the bodies
		spare = enc{buf: e.buf[:0], relocs: e.relocs[:0], refs: e.refs[:0]}
	}
	*e = enc{}
}

func alignUp(n, a uint32) uint32 { return (n + a - 1) &^ (a - 1) }

// alignedBuf returns a zeroed, empty buffer of capacity >= n whose first
// byte is 8-aligned (enough for every WIT type).
func alignedBuf(n int) []byte {
	w := make([]uint64, (n+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), len(w)*8)[:0]
}

// alloc reserves size zeroed bytes aligned to align and returns their offset.
func (e *enc) alloc(size, align uint32) uint32 {
	off := alignUp(uint32(len(e.buf)), align)
	need := int(off + size)
	if cap(e.buf) == 0 && need <= cap(spare.buf) {
		e.buf, e.relocs, e.refs = spare.buf, spare.relocs, spare.refs
		spare = enc{}
	}
	if need > cap(e.buf) {
		nb := alignedBuf(max(need, 2*cap(e.buf), 256))
		e.buf = append(nb, e.buf...)
		if e.relocs == nil {
			e.relocs = make([]uint32, 0, 32)
		}
	}
	if need > len(e.buf) {
		e.buf = e.buf[:need] // already zero: nothing is written past len
	}
	return off
}

func (e *enc) u8(off uint32, v uint8)   { e.buf[off] = v }
func (e *enc) u16(off uint32, v uint16) { binary.LittleEndian.PutUint16(e.buf[off:], v) }
func (e *enc) u32(off uint32, v uint32) { binary.LittleEndian.PutUint32(e.buf[off:], v) }
func (e *enc) u64(off uint32, v uint64) { binary.LittleEndian.PutUint64(e.buf[off:], v) }

func (e *enc) boolean(off uint32, v bool) {
	if v {
		e.buf[off] = 1
	}
}

// ptr writes a relative pointer at off that finish will relocate.
func (e *enc) ptr(off, target uint32) {
	e.u32(off, target)
	e.relocs = append(e.relocs, off)
}

// bytes writes a list<u8> (or string) header at off and its contents, or
// (longer than inlineMax) a reference to b itself, which must not change
// until the image has been consumed.
func (e *enc) bytes(off uint32, b []byte) {
	if len(b) > inlineMax {
		e.refs = append(e.refs, ref{off: off, b: b})
		e.u32(off+4, uint32(len(b)))
		return
	}
	p := e.alloc(uint32(len(b)), 1)
	copy(e.buf[p:], b)
	e.ptr(off, p)
	e.u32(off+4, uint32(len(b)))
}

func (e *enc) str(off uint32, s string) {
	p := e.alloc(uint32(len(s)), 1)
	copy(e.buf[p:], s)
	e.ptr(off, p)
	e.u32(off+4, uint32(len(s)))
}

// list writes a list header at off for n elements of size/align and returns
// the offset of the first element.
func (e *enc) list(off uint32, n int, size, align uint32) uint32 {
	p := e.alloc(uint32(n)*size, align)
	e.ptr(off, p)
	e.u32(off+4, uint32(n))
	return p
}

// finish relocates every pointer in place by base (the image's final
// address) and writes each ref's address as given by addr.
func (e *enc) finish(base uint32, addr func([]byte) uint32) {
	for _, off := range e.relocs {
		binary.LittleEndian.PutUint32(e.buf[off:], binary.LittleEndian.Uint32(e.buf[off:])+base)
	}
	for _, r := range e.refs {
		binary.LittleEndian.PutUint32(e.buf[r.off:], addr(r.b))
	}
}
