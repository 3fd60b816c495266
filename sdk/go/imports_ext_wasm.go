//go:build wasip1

package sdk

import (
	"runtime"
	"unsafe"
)

//go:wasmimport keeper:format/host@0.2.0 concat-blobs
func impConcatBlobs(p P, n uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 session-token
func impSessionToken(ttl uint32, offline uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 mount-blob
func impMountBlob(fp P, fl uint32, pp P, pl uint32, tp P, tl uint32, cp P, cl uint32, ret P)

var (
	_ BlobHost  = wasmHost{}
	_ TokenHost = wasmHost{}
)

func (wasmHost) ConcatBlobs(digests []string) (Body, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	// list<string>: (ptr, len) pairs in guest memory.
	pairs := make([]uint32, 2*len(digests))
	for i, d := range digests {
		p, l := strRaw(d)
		pairs[2*i], pairs[2*i+1] = uint32(uintptr(p)), l
	}
	impConcatBlobs(unsafe.Pointer(unsafe.SliceData(pairs)), uint32(len(digests)), P(ra))
	runtime.KeepAlive(pairs)
	runtime.KeepAlive(digests)
	if ld8(r) != 0 {
		return Body{}, errAt(r, 8)
	}
	return Body{Digest: ldStr(r + 8), Size: ld64(r + 16), SHA1: ldStr(r + 24), MD5: ldStr(r + 32), SHA512: ldStr(r + 40)}, nil
}

func (wasmHost) SessionToken(ttlSeconds uint32, offline bool) (string, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	impSessionToken(ttlSeconds, boolU32(offline), P(ra))
	if ld8(r) != 0 {
		return "", errAt(r, 4)
	}
	return ldStr(r + 4), nil
}

func (wasmHost) MountBlob(fromRepo, fromPath, toPath, contentType string) error {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	fp, fl := strRaw(fromRepo)
	pp, pl := strRaw(fromPath)
	tp, tl := strRaw(toPath)
	cp, cl := strRaw(contentType)
	impMountBlob(fp, fl, pp, pl, tp, tl, cp, cl, P(ra))
	return unitOr(r)
}
