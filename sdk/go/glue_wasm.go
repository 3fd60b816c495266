//go:build wasip1

package sdk

import "unsafe"

// pins keeps memory the host was handed (or handed us) reachable: the Go GC
// cannot see guest addresses stored as integers in canonical-ABI records.
// ([][]byte, not []any: boxing each pin would cost an allocation.)
var pins [][]byte

func addr(p uint32) unsafe.Pointer { return unsafe.Add(nil, uintptr(p)) }

func addrOf(b []byte) uint32 {
	if len(b) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(&b[0])))
}

// alignedBytes allocates n bytes aligned to 8 (enough for every WIT type).
func alignedBytes(n uint32) []byte {
	if n == 0 {
		return nil
	}
	w := make([]uint64, (n+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), n)
}

//go:wasmexport cabi_realloc
func cabiRealloc(old unsafe.Pointer, oldSize, align, size uint32) unsafe.Pointer {
	if size == 0 {
		return unsafe.Add(nil, uintptr(align))
	}
	b := alignedBytes(size)
	if old != nil && oldSize > 0 {
		copy(b, unsafe.Slice((*byte)(old), min(oldSize, size)))
	}
	pins = append(pins, b)
	return unsafe.Pointer(&b[0])
}

func ld8(p uint32) uint8   { return *(*uint8)(addr(p)) }
func ld16(p uint32) uint16 { return *(*uint16)(addr(p)) }
func ld32(p uint32) uint32 { return *(*uint32)(addr(p)) }
func ld64(p uint32) uint64 { return *(*uint64)(addr(p)) }

// ldStr lifts a string without copying: the bytes live in a cabi_realloc
// allocation, a Go object the string keeps alive.
func ldStr(p uint32) string {
	ptr, n := ld32(p), ld32(p+4)
	if n == 0 {
		return ""
	}
	return unsafe.String((*byte)(addr(ptr)), int(n))
}

func ldBytes(p uint32) []byte {
	ptr, n := ld32(p), ld32(p+4)
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(addr(ptr)), int(n))
}

func strRaw(s string) (unsafe.Pointer, uint32) {
	return unsafe.Pointer(unsafe.StringData(s)), uint32(len(s))
}

func bytesRaw(b []byte) (unsafe.Pointer, uint32) {
	return unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b))
}

func boolU32(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// ret relocates an encoded result where it was built (8-aligned, see
// alignedBuf), keeps it and the lists it references reachable as returned,
// and returns its address.
func ret(e *enc) uint32 {
	base := addrOf(e.buf)
	e.finish(base, addrOf)
	returned = *e
	return base
}

// returned is the image the last export returned: it and the byte lists it
// references stay reachable through it until the host has lifted them
// (cabi_post_<export> or the next export), then its buffers are recycled.
var returned enc

// place relocates an image built for an import parameter where it is and
// returns its address; the caller keeps e reachable until the import returns.
func place(e *enc) unsafe.Pointer {
	if len(e.buf) == 0 {
		return nil
	}
	e.finish(addrOf(e.buf), addrOf)
	return unsafe.Pointer(&e.buf[0])
}

// release drops the pins of a finished call.
func release() {
	clear(pins)
	pins = pins[:0]
	recycle(&returned)
}

func plugin() Plugin {
	if registered == nil {
		panic("sdk: no plugin registered (call sdk.Register in init)")
	}
	return registered
}

func ldStrFlat(p, n uint32) string {
	if n == 0 {
		return ""
	}
	return unsafe.String((*byte)(addr(p)), int(n))
}

func ldBytesFlat(p, n uint32) []byte {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(addr(p)), int(n))
}
