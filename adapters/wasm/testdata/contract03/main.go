// Command contract03 is a raw test plugin (no SDK) built the way a module of
// contract 0.3.0 is: describe returns the 84-byte info record of 0.3.0
// (with aliases), handle calls an import of keeper:format/host@0.3.0, and
// rewrite and merge return result<list<u8>, string> (12 bytes) where 0.4.0
// returns a document (20 bytes). The eight bytes after each result point
// outside memory, so a host that read header fields there would fail the
// call; classify answers 3, which 0.3.0 does not have, for "/local".
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

func putStr(b []byte, off int, s string) {
	p, n := str(s)
	binary.LittleEndian.PutUint32(b[off:], p)
	binary.LittleEndian.PutUint32(b[off+4:], n)
}

// outside makes the eight bytes at off a list nowhere in memory.
func outside(b []byte, off int) {
	binary.LittleEndian.PutUint32(b[off:], 0xFFFFFF00)
	binary.LittleEndian.PutUint32(b[off+4:], 0x1000)
}

//go:wasmexport describe
func describe() uint32 {
	info := make([]byte, 84)
	pins = append(pins, info)
	for i, s := range []string{"contract03", "Contract 0.3.0", "1.0.0", "0.3.0"} {
		putStr(info, i*8, s)
	}
	mount := make([]byte, 20) // prefix, root, anonymous-paths
	pins = append(pins, mount)
	putStr(mount, 0, "/contract03/")
	binary.LittleEndian.PutUint32(info[32:], addr(mount))
	binary.LittleEndian.PutUint32(info[36:], 1)
	caps := make([]byte, 24)
	pins = append(pins, caps)
	for i, s := range []string{"classify", "merge", "rewrite"} {
		putStr(caps, i*8, s)
	}
	binary.LittleEndian.PutUint32(info[40:], addr(caps))
	binary.LittleEndian.PutUint32(info[44:], 3)
	info[48] = 1 // credentials: basic
	alias := make([]byte, 8)
	pins = append(pins, alias)
	putStr(alias, 0, "c03")
	binary.LittleEndian.PutUint32(info[76:], addr(alias))
	binary.LittleEndian.PutUint32(info[80:], 1)
	return addr(info)
}

//go:wasmexport cabi_post_describe
func postDescribe(uint32) {}

//go:wasmimport keeper:format/host@0.3.0 log
func hostLog(level uint32, msg unsafe.Pointer, n uint32)

//go:wasmexport handle
func handle(req uint32) uint32 {
	msg := []byte("contract03 handled")
	hostLog(1, unsafe.Pointer(&msg[0]), uint32(len(msg)))
	res := make([]byte, 40)
	pins = append(pins, res)
	binary.LittleEndian.PutUint16(res[8:], 200)
	return addr(res)
}

//go:wasmexport cabi_post_handle
func postHandle(uint32) { pins = pins[:0] }

func bytesAt(p, n uint32) string { return unsafe.String((*byte)(unsafe.Pointer(uintptr(p))), n) }

// bytesResult returns the 0.3.0 result<list<u8>, string> ok case.
func bytesResult(s string) uint32 {
	res := make([]byte, 20)
	pins = append(pins, res)
	putStr(res, 4, s)
	outside(res, 12)
	return addr(res)
}

//go:wasmexport classify
func classify(p, n uint32) uint32 {
	if bytesAt(p, n) == "/local" {
		return 3
	}
	return 1
}

//go:wasmexport rewrite
func rewrite(pathP, pathN, bodyP, bodyN, upP, upN, localP, localN uint32) uint32 {
	return bytesResult("rewritten " + bytesAt(bodyP, bodyN) + " for " + bytesAt(localP, localN))
}

//go:wasmexport cabi_post_rewrite
func postRewrite(uint32) { pins = pins[:0] }

//go:wasmexport merge
func merge(pathP, pathN, docsP, docsN uint32) uint32 {
	out := "merged"
	for i := uint32(0); i < docsN; i++ {
		d := docsP + i*8
		out += " " + bytesAt(*(*uint32)(unsafe.Pointer(uintptr(d))), *(*uint32)(unsafe.Pointer(uintptr(d + 4))))
	}
	return bytesResult(out)
}

//go:wasmexport cabi_post_merge
func postMerge(uint32) { pins = pins[:0] }

func main() {}
