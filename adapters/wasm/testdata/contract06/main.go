// Command contract06 is a raw test plugin (no SDK) built the way a module of
// contract 0.6.0 is: describe says "0.6.0" (28-byte mount records with
// read-paths), and handle calls assemble of keeper:format/host@0.6.0 with
// two 76-byte template-loop records (0.7.0 appended sort, sort-member and skip)
// and answers the returned text.
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
	for i, s := range []string{"contract06", "Contract 0.6.0", "1.0.0", "0.6.0"} {
		putStr(info, i*8, s)
	}
	mounts := make([]byte, 28) // prefix, root, anonymous-paths, read-paths
	pins = append(pins, mounts)
	putStr(mounts, 0, "/contract06/")
	reads := make([]byte, 8)
	pins = append(pins, reads)
	putStr(reads, 0, "/-/query")
	binary.LittleEndian.PutUint32(mounts[20:], addr(reads))
	binary.LittleEndian.PutUint32(mounts[24:], 1)
	binary.LittleEndian.PutUint32(info[32:], addr(mounts))
	binary.LittleEndian.PutUint32(info[36:], 1)
	return addr(info)
}

//go:wasmexport cabi_post_describe
func postDescribe(uint32) {}

//go:wasmimport keeper:format/host@0.6.0 assemble
func assemble(loops unsafe.Pointer, nLoops uint32, parts unsafe.Pointer, nParts uint32, returnText uint32, ret unsafe.Pointer)

// template is two loops (versions of "a" with limit 7; files under "p/",
// separator ";") and the parts "rows=", count 0, ",", count 1, ".".
func template() (loops, parts []byte) {
	loops = make([]byte, 2*76)
	pins = append(pins, loops)
	putStr(loops, 4, "a")
	binary.LittleEndian.PutUint32(loops[28:], 7)
	loops[76] = 1 // files
	putStr(loops, 76+12, "p/")
	putStr(loops, 76+32, ";")
	parts = make([]byte, 5*20)
	pins = append(pins, parts)
	for i, s := range []string{"rows=", "", ",", "", "."} {
		if s == "" {
			parts[i*20] = 2 // count
			binary.LittleEndian.PutUint32(parts[i*20+12:], uint32(i/2))
			continue
		}
		putStr(parts, i*20+4, s)
	}
	return loops, parts
}

//go:wasmexport handle
func handle(req uint32) uint32 {
	ret := make([]byte, 48)
	pins = append(pins, ret)
	loops, parts := template()
	assemble(unsafe.Pointer(&loops[0]), 2, unsafe.Pointer(&parts[0]), 5, 1, unsafe.Pointer(&ret[0]))
	body := "contract06 handled; assemble "
	if ret[0] == 0 {
		p, n := binary.LittleEndian.Uint32(ret[36:]), binary.LittleEndian.Uint32(ret[40:])
		body += string(unsafe.Slice((*byte)(unsafe.Pointer(uintptr(p))), n))
	} else {
		p, n := binary.LittleEndian.Uint32(ret[8:]), binary.LittleEndian.Uint32(ret[12:])
		body += "failed: " + string(unsafe.Slice((*byte)(unsafe.Pointer(uintptr(p))), n))
	}
	res := make([]byte, 40)
	pins = append(pins, res)
	binary.LittleEndian.PutUint16(res[8:], 200)
	res[20] = 1 // response-body bytes
	putStr(res, 24, body)
	return addr(res)
}

//go:wasmexport cabi_post_handle
func postHandle(uint32) { pins = pins[:0] }

func main() {}
