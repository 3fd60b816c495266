package wasm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/tetratelabs/wazero/api"
)

// errMalformed marks a result the guest laid out badly (bad pointer or length).
var errMalformed = errors.New("malformed result")

// enc builds a canonical-ABI memory image whose pointers are relative to the
// image start; finish relocates them once the guest address is known.
// Its buffers come from encPool and go back once the image has been written
// into guest memory (recycle): a call lowers a request and the results of its
// imports, and growing fresh buffers for each was a fifth of the host's share
// of a small call.
type enc struct {
	buf    []byte
	relocs []uint32
	pooled *encBufs
}

// encBufs are the buffers of an enc kept between images.
type encBufs struct {
	buf    []byte
	relocs []uint32
}

var encPool = sync.Pool{New: func() any { return &encBufs{buf: make([]byte, 0, 1024), relocs: make([]uint32, 0, 32)} }}

// encKeepMax is the largest buffer returned to the pool (a listing can lower
// megabytes; those are left to the garbage collector).
const encKeepMax = 64 << 10

// recycle returns e's buffers to the pool; e must not be used afterwards.
func (e *enc) recycle() {
	if e.pooled != nil && cap(e.buf) <= encKeepMax {
		e.pooled.buf, e.pooled.relocs = e.buf[:0], e.relocs[:0]
		encPool.Put(e.pooled)
	}
	*e = enc{}
}

func alignUp(n, a uint32) uint32 { return (n + a - 1) &^ (a - 1) }

func (e *enc) alloc(size, align uint32) uint32 {
	if e.pooled == nil && e.buf == nil {
		e.pooled = encPool.Get().(*encBufs)
		e.buf, e.relocs = e.pooled.buf, e.pooled.relocs
	}
	off := alignUp(uint32(len(e.buf)), align)
	if need := int(off + size); need > len(e.buf) {
		e.buf = append(e.buf, make([]byte, need-len(e.buf))...)
	}
	return off
}

func (e *enc) u8(off uint32, v uint8)   { e.buf[off] = v }
func (e *enc) u32(off uint32, v uint32) { binary.LittleEndian.PutUint32(e.buf[off:], v) }
func (e *enc) u64(off uint32, v uint64) { binary.LittleEndian.PutUint64(e.buf[off:], v) }

func (e *enc) boolean(off uint32, v bool) {
	if v {
		e.buf[off] = 1
	}
}

func (e *enc) ptr(off, target uint32) {
	e.u32(off, target)
	e.relocs = append(e.relocs, off)
}

func (e *enc) bytes(off uint32, b []byte) {
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

func (e *enc) list(off uint32, n int, size, align uint32) uint32 {
	p := e.alloc(uint32(n)*size, align)
	e.ptr(off, p)
	e.u32(off+4, uint32(n))
	return p
}

// finish relocates the image to base in place and returns it.
func (e *enc) finish(base uint32) []byte {
	for _, off := range e.relocs {
		binary.LittleEndian.PutUint32(e.buf[off:], binary.LittleEndian.Uint32(e.buf[off:])+base)
	}
	return e.buf
}

// reader lifts values out of guest memory. Every access is bounds-checked and
// the total bytes copied are capped; the first failure sticks in err.
type reader struct {
	mem    api.Memory
	budget int64
	err    error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", errMalformed, fmt.Sprintf(format, args...))
	}
}

func (r *reader) u8(p uint32) uint8 {
	if r.err != nil {
		return 0
	}
	v, ok := r.mem.ReadByte(p)
	if !ok {
		r.fail("read u8 at %#x out of bounds", p)
	}
	return v
}

func (r *reader) u16(p uint32) uint16 {
	if r.err != nil {
		return 0
	}
	v, ok := r.mem.ReadUint16Le(p)
	if !ok {
		r.fail("read u16 at %#x out of bounds", p)
	}
	return v
}

func (r *reader) u32(p uint32) uint32 {
	if r.err != nil {
		return 0
	}
	v, ok := r.mem.ReadUint32Le(p)
	if !ok {
		r.fail("read u32 at %#x out of bounds", p)
	}
	return v
}

func (r *reader) u64(p uint32) uint64 {
	if r.err != nil {
		return 0
	}
	v, ok := r.mem.ReadUint64Le(p)
	if !ok {
		r.fail("read u64 at %#x out of bounds", p)
	}
	return v
}

// flat copies n bytes at ptr.
func (r *reader) flat(ptr, n uint32) []byte {
	if b := r.view(ptr, n); b != nil {
		return append([]byte(nil), b...)
	}
	return nil
}

// view is flat without the copy: the n bytes at ptr as they lie in guest
// memory, valid until the guest runs again (nil when empty or failed).
func (r *reader) view(ptr, n uint32) []byte {
	if r.err != nil || n == 0 {
		return nil
	}
	if int64(n) > r.budget {
		r.fail("%d bytes exceed the result limit", n)
		return nil
	}
	b, ok := r.mem.Read(ptr, n)
	if !ok {
		r.fail("%d bytes at %#x out of bounds", n, ptr)
		return nil
	}
	r.budget -= int64(n)
	return b
}

func (r *reader) bytes(p uint32) []byte { return r.flat(r.u32(p), r.u32(p+4)) }

// str copies a string once, straight from guest memory.
func (r *reader) str(p uint32) string { return string(r.view(r.u32(p), r.u32(p+4))) }

// span checks that n elements of size bytes at ptr lie inside memory and
// within the budget, and returns ptr and n (0, 0 after a failure).
func (r *reader) span(ptr, n, size uint32) (uint32, uint32) {
	if r.err != nil {
		return 0, 0
	}
	total := uint64(n) * uint64(size)
	if uint64(ptr)+total > uint64(r.mem.Size()) {
		r.fail("list of %d×%d bytes at %#x out of bounds", n, size, ptr)
		return 0, 0
	}
	if int64(total) > r.budget {
		r.fail("list of %d elements exceeds the result limit", n)
		return 0, 0
	}
	return ptr, n
}
