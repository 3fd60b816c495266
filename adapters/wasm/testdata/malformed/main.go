// Command malformed is a raw test plugin (no SDK) that breaks the canonical
// ABI on purpose: handle returns bad pointers, lengths and tags, chosen by
// the request method.
package main

import (
	"encoding/binary"
	"unsafe"
)

var pins [][]byte

//go:wasmexport cabi_realloc
func cabiRealloc(old unsafe.Pointer, oldSize, align, size uint32) unsafe.Pointer {
	b := make([]byte, size+8)
	pins = append(pins, b)
	return unsafe.Pointer(&b[0])
}

func addr(b []byte) uint32 { return uint32(uintptr(unsafe.Pointer(&b[0]))) }

// str places s and returns (ptr, len).
func str(s string) (uint32, uint32) {
	b := []byte(s + "\x00")
	pins = append(pins, b)
	return addr(b), uint32(len(s))
}

//go:wasmexport describe
func describe() uint32 {
	info := make([]byte, 48)
	pins = append(pins, info)
	for i, s := range []string{"malformed", "Malformed", "0", "0.1.0"} {
		p, n := str(s)
		binary.LittleEndian.PutUint32(info[i*8:], p)
		binary.LittleEndian.PutUint32(info[i*8+4:], n)
	}
	return addr(info)
}

//go:wasmexport cabi_post_describe
func postDescribe(uint32) {}

func ld(p uint32) string {
	ptr := *(*uint32)(unsafe.Add(nil, uintptr(p)))
	n := *(*uint32)(unsafe.Add(nil, uintptr(p+4)))
	return unsafe.String((*byte)(unsafe.Add(nil, uintptr(ptr))), n)
}

//go:wasmexport handle
func handle(req uint32) uint32 {
	res := make([]byte, 40)
	pins = append(pins, res)
	binary.LittleEndian.PutUint16(res[8:], 200)
	switch ld(req) {
	case "BADPTR":
		return 0xFFFFFFF0
	case "BIGLEN": // body bytes with a huge length
		res[8+12] = 1
		binary.LittleEndian.PutUint32(res[8+16:], 16)
		binary.LittleEndian.PutUint32(res[8+20:], 0x7FFFFFFF)
	case "MANYHEADERS": // a list whose element count overflows memory
		binary.LittleEndian.PutUint32(res[8+4:], 0)
		binary.LittleEndian.PutUint32(res[8+8:], 0x10000000)
	case "BADTAG":
		res[0] = 7
	case "BADVARIANT":
		res[8+12] = 9
	case "BADSTR": // error result whose message points outside memory
		res[0] = 1
		binary.LittleEndian.PutUint32(res[12:], 0xFFFFFF00)
		binary.LittleEndian.PutUint32(res[16:], 0x1000)
	}
	return addr(res)
}

//go:wasmexport cabi_post_handle
func postHandle(uint32) { pins = pins[:0] }

func main() {}
