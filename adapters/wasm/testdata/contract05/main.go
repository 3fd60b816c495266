// Command contract05 is a raw test plugin (no SDK) built the way a module of
// contract 0.5.0 is: describe says "0.5.0" with two 20-byte mount records
// (no read-paths), and handle calls json-members of keeper:format/host@0.5.0
// (the host serves it without the import 0.6.0 added) and answers bytes.
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
	for i, s := range []string{"contract05", "Contract 0.5.0", "1.0.0", "0.5.0"} {
		putStr(info, i*8, s)
	}
	mounts := make([]byte, 40) // two of prefix, root, anonymous-paths
	pins = append(pins, mounts)
	putStr(mounts, 0, "/contract05/")
	anon := make([]byte, 8)
	pins = append(pins, anon)
	putStr(anon, 0, "/-/ping")
	binary.LittleEndian.PutUint32(mounts[12:], addr(anon))
	binary.LittleEndian.PutUint32(mounts[16:], 1)
	putStr(mounts, 20, "/.well-known/contract05")
	mounts[28] = 1 // root
	binary.LittleEndian.PutUint32(info[32:], addr(mounts))
	binary.LittleEndian.PutUint32(info[36:], 2)
	info[48] = 1 // credentials: basic
	return addr(info)
}

//go:wasmexport cabi_post_describe
func postDescribe(uint32) {}

//go:wasmimport keeper:format/host@0.5.0 json-members
func jsonMembers(docs unsafe.Pointer, nDocs uint32, keys unsafe.Pointer, nKeys uint32, form uint32, ret unsafe.Pointer)

//go:wasmexport handle
func handle(req uint32) uint32 {
	ret := make([]byte, 48)
	pins = append(pins, ret)
	jsonMembers(nil, 0, nil, 0, 0, unsafe.Pointer(&ret[0]))
	body := "contract05 handled; json-members "
	if ret[0] == 0 {
		body += "ok"
	} else {
		body += "failed"
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
