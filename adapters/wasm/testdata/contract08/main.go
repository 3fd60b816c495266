// Command contract08 is a raw test plugin (no SDK) built the way a module of
// contract 0.8.0 is: describe says "0.8.0", and handle calls assemble of
// keeper:format/host@0.8.0 twice with a 92-byte loop (0.9.0 appended a
// window) over the files under "p/" sorted descending on member "k",
// skipping those whose metadata starts with {"k":"0", and writing each
// path under one condition: `last` (8, which 0.8.0 added: only the last
// path), then `same` on member "k" (9, which 0.9.0 appended: a bad
// template for 0.8.0), and answers what each returned.
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
	for i, s := range []string{"contract08", "Contract 0.8.0", "1.0.0", "0.8.0"} {
		putStr(info, i*8, s)
	}
	mounts := make([]byte, 28) // prefix, root, anonymous-paths, read-paths
	pins = append(pins, mounts)
	putStr(mounts, 0, "/contract08/")
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

//go:wasmimport keeper:format/host@0.8.0 assemble
func assemble(loops unsafe.Pointer, nLoops uint32, parts unsafe.Pointer, nParts uint32, returnText uint32, ret unsafe.Pointer)

// template is one loop over the files under "p/" (92 bytes, member "k" as
// text, sorted and skipping as above), writing each path under condition test,
// then "|" and the loop's max-created in unix-ms with the text
// "9999999999999" (which 0.8.0 counts as a time).
func template(test byte) (loops, parts []byte) {
	loops = make([]byte, 92)
	pins = append(pins, loops)
	loops[0] = 1 // files
	putStr(loops, 12, "p/")
	members := make([]byte, 8)
	pins = append(pins, members)
	putStr(members, 0, "k")
	binary.LittleEndian.PutUint32(loops[40:], addr(members))
	binary.LittleEndian.PutUint32(loops[44:], 1)
	loops[48] = 2 // text
	loops[76] = 2 // sort descending on member 0
	skip := make([]byte, 16)
	pins = append(pins, skip)
	skip[0] = 4 // metadata-prefix
	names := make([]byte, 8)
	pins = append(pins, names)
	putStr(names, 0, `{"k":"0`)
	binary.LittleEndian.PutUint32(skip[8:], addr(names))
	binary.LittleEndian.PutUint32(skip[12:], 1)
	binary.LittleEndian.PutUint32(loops[84:], addr(skip))
	binary.LittleEndian.PutUint32(loops[88:], 1)
	when := make([]byte, 16)
	pins = append(pins, when)
	when[0] = test // member 0
	items := make([]byte, 36)
	pins = append(pins, items)
	items[0] = 1  // field
	items[12] = 2 // path
	binary.LittleEndian.PutUint32(items[28:], addr(when))
	binary.LittleEndian.PutUint32(items[32:], 1)
	binary.LittleEndian.PutUint32(loops[60:], addr(items))
	binary.LittleEndian.PutUint32(loops[64:], 1)
	parts = make([]byte, 3*20)
	pins = append(pins, parts)
	parts[0] = 1 // loop
	putStr(parts, 20+4, "|")
	parts[40] = 4 // max-created
	putStr(parts, 40+4, "9999999999999")
	parts[40+16] = 4 // unix-ms
	return loops, parts
}

// call assembles template(test) and returns its text or error.
func call(test byte) string {
	ret := make([]byte, 48)
	pins = append(pins, ret)
	loops, parts := template(test)
	assemble(unsafe.Pointer(&loops[0]), 1, unsafe.Pointer(&parts[0]), 3, 1, unsafe.Pointer(&ret[0]))
	if ret[0] == 0 {
		p, n := binary.LittleEndian.Uint32(ret[36:]), binary.LittleEndian.Uint32(ret[40:])
		return string(unsafe.Slice((*byte)(unsafe.Pointer(uintptr(p))), n))
	}
	p, n := binary.LittleEndian.Uint32(ret[8:]), binary.LittleEndian.Uint32(ret[12:])
	return "failed: " + string(unsafe.Slice((*byte)(unsafe.Pointer(uintptr(p))), n))
}

//go:wasmexport handle
func handle(req uint32) uint32 {
	body := "contract08 handled; " + call(8) + "; " + call(9)
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
