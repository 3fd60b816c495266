//go:build wasip1

package sdk

import (
	"runtime"
	"unsafe"
)

//go:wasmimport keeper:format/host@0.2.0 concat-ranges
func impConcatRanges(p P, n uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 decode-base64
func impDecodeBase64(dp P, dl uint32, off uint64, n uint64, ret P)

//go:wasmimport keeper:format/host@0.2.0 index-bytes
func impIndexBytes(dp P, dl uint32, off uint64, pp P, pl uint32, ret P)

var _ RangeHost = wasmHost{}

func (wasmHost) IndexBytes(digest string, off uint64, pattern []byte) (uint64, bool, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	dp, dl := strRaw(digest)
	pp, pl := bytesRaw(pattern)
	impIndexBytes(dp, dl, off, pp, pl, P(ra))
	runtime.KeepAlive(digest)
	runtime.KeepAlive(pattern)
	if ld8(r) != 0 {
		return 0, false, errAt(r, 8)
	}
	if ld8(r+8) == 0 {
		return 0, false, nil
	}
	return ld64(r + 16), true, nil
}

func (wasmHost) ConcatRanges(parts []BlobRange) (Body, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	// list<blob-range>: 24-byte elements, digest (ptr, len) 0, offset 8, length 16.
	words := make([]uint64, 3*len(parts))
	for i, part := range parts {
		p, l := strRaw(part.Digest)
		words[3*i] = uint64(uint32(uintptr(p))) | uint64(l)<<32
		words[3*i+1], words[3*i+2] = part.Offset, part.Length
	}
	impConcatRanges(unsafe.Pointer(unsafe.SliceData(words)), uint32(len(parts)), P(ra))
	runtime.KeepAlive(words)
	runtime.KeepAlive(parts)
	return bodyResult(r)
}

func (wasmHost) DecodeBase64(br BlobRange) (Body, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	dp, dl := strRaw(br.Digest)
	impDecodeBase64(dp, dl, br.Offset, br.Length, P(ra))
	runtime.KeepAlive(br.Digest)
	return bodyResult(r)
}

// bodyResult lifts result<body, string> at r (payload at 8).
func bodyResult(r uint32) (Body, error) {
	if ld8(r) != 0 {
		return Body{}, errAt(r, 8)
	}
	return Body{Digest: ldStr(r + 8), Size: ld64(r + 16), SHA1: ldStr(r + 24), MD5: ldStr(r + 32), SHA512: ldStr(r + 40)}, nil
}
