// Command contract02 is a raw test plugin (no SDK) built the way a module of
// contract 0.2.0 is: describe returns the 76-byte info record of 0.2.0 (no
// aliases) and handle calls an import of keeper:format/host@0.2.0. The eight
// bytes after the record point outside memory, so a host that read an
// aliases field there would fail the call.
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
	info := make([]byte, 76+8)
	pins = append(pins, info)
	for i, s := range []string{"contract02", "Contract 0.2.0", "1.0.0", "0.2.0"} {
		putStr(info, i*8, s)
	}
	mount := make([]byte, 20) // prefix, root, anonymous-paths
	pins = append(pins, mount)
	putStr(mount, 0, "/contract02/")
	binary.LittleEndian.PutUint32(info[32:], addr(mount))
	binary.LittleEndian.PutUint32(info[36:], 1)
	info[48+2] = 1 // credentials: bearer only
	putStr(info, 48+12, `Bearer realm="c02"`)
	snippet := make([]byte, 32) // kind, client, target, text
	pins = append(pins, snippet)
	for i, s := range []string{"consume", "curl", "", "curl {repo-url}/x"} {
		putStr(snippet, i*8, s)
	}
	binary.LittleEndian.PutUint32(info[68:], addr(snippet))
	binary.LittleEndian.PutUint32(info[72:], 1)
	// Past the end of the 0.2.0 record: a list nowhere in memory.
	binary.LittleEndian.PutUint32(info[76:], 0xFFFFFF00)
	binary.LittleEndian.PutUint32(info[80:], 0x1000)
	return addr(info)
}

//go:wasmexport cabi_post_describe
func postDescribe(uint32) {}

//go:wasmimport keeper:format/host@0.2.0 log
func hostLog(level uint32, msg unsafe.Pointer, n uint32)

//go:wasmexport handle
func handle(req uint32) uint32 {
	msg := []byte("contract02 handled")
	hostLog(1, unsafe.Pointer(&msg[0]), uint32(len(msg)))
	res := make([]byte, 40)
	pins = append(pins, res)
	binary.LittleEndian.PutUint16(res[8:], 200)
	return addr(res)
}

//go:wasmexport cabi_post_handle
func postHandle(uint32) { pins = pins[:0] }

func main() {}
