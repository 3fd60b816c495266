// Command contract04 is a raw test plugin (no SDK) built the way a module of
// contract 0.4.0 is: describe says "0.4.0", handle calls an import of
// keeper:format/host@0.4.0 (the host serves it without the imports 0.5.0
// added), and rewrite returns the 0.4.0 result<document, string>.
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

//go:wasmexport describe
func describe() uint32 {
	info := make([]byte, 84)
	pins = append(pins, info)
	for i, s := range []string{"contract04", "Contract 0.4.0", "1.0.0", "0.4.0"} {
		putStr(info, i*8, s)
	}
	mount := make([]byte, 20) // prefix, root, anonymous-paths
	pins = append(pins, mount)
	putStr(mount, 0, "/contract04/")
	binary.LittleEndian.PutUint32(info[32:], addr(mount))
	binary.LittleEndian.PutUint32(info[36:], 1)
	caps := make([]byte, 8)
	pins = append(pins, caps)
	putStr(caps, 0, "rewrite")
	binary.LittleEndian.PutUint32(info[40:], addr(caps))
	binary.LittleEndian.PutUint32(info[44:], 1)
	info[48] = 1 // credentials: basic
	return addr(info)
}

//go:wasmexport cabi_post_describe
func postDescribe(uint32) {}

//go:wasmimport keeper:format/host@0.4.0 log
func hostLog(level uint32, msg unsafe.Pointer, n uint32)

//go:wasmexport handle
func handle(req uint32) uint32 {
	msg := []byte("contract04 handled")
	hostLog(1, unsafe.Pointer(&msg[0]), uint32(len(msg)))
	res := make([]byte, 40)
	pins = append(pins, res)
	binary.LittleEndian.PutUint16(res[8:], 200)
	return addr(res)
}

//go:wasmexport cabi_post_handle
func postHandle(uint32) { pins = pins[:0] }

func bytesAt(p, n uint32) string { return unsafe.String((*byte)(unsafe.Pointer(uintptr(p))), n) }

//go:wasmexport rewrite
func rewrite(pathP, pathN, bodyP, bodyN, upP, upN, localP, localN uint32) uint32 {
	res := make([]byte, 20) // ok: document { body, headers (none) }
	pins = append(pins, res)
	putStr(res, 4, "rewritten "+bytesAt(bodyP, bodyN)+" for "+bytesAt(localP, localN))
	return addr(res)
}

//go:wasmexport cabi_post_rewrite
func postRewrite(uint32) { pins = pins[:0] }

func main() {}
