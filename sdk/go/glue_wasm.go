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
// alignedBuf), pins it and the lists it references in place, and returns its
// address; the pins last until the host calls cabi_post_<export>.
func ret(e *enc) uint32 {
	base := addrOf(e.buf)
	e.finish(base, addrOf)
	pins = append(pins, e.buf)
	for _, r := range e.refs {
		pins = append(pins, r.b)
	}
	return base
}

// release drops the pins of a finished call.
func release() { clear(pins); pins = pins[:0] }

func liftRepo(p uint32) *RepoContext {
	r := &RepoContext{
		Key: ldStr(p), Kind: ldStr(p + 8), Format: ldStr(p + 16), IsPublic: ld8(p+24) != 0,
		BaseURL: ldStr(p + 28), UpstreamURL: ldStr(p + 36), Generation: int64(ld64(p + 56)),
	}
	cp, n := ld32(p+44), ld32(p+48)
	if n > 0 {
		r.Config = make([]KeyValue, 0, n)
	}
	for i := uint32(0); i < n; i++ {
		q := cp + i*16
		r.Config = append(r.Config, KeyValue{Key: ldStr(q), Value: ldStr(q + 8)})
	}
	return r
}

func liftRequest(p uint32) *Request {
	req := &Request{
		Method: ldStr(p), Path: ldStr(p + 8), RawQuery: ldStr(p + 16),
		User: ldStr(p + 152), BaseURL: ldStr(p + 160),
	}
	hp, n := ld32(p+24), ld32(p+28)
	if n > 0 {
		req.Headers = make([]Header, 0, n)
	}
	for i := uint32(0); i < n; i++ {
		q := hp + i*16
		req.Headers = append(req.Headers, Header{Name: ldStr(q), Value: ldStr(q + 8)})
	}
	if ld8(p+32) != 0 {
		b := p + 40
		req.Body = &Body{Digest: ldStr(b), Size: ld64(b + 8), SHA1: ldStr(b + 16), MD5: ldStr(b + 24), SHA512: ldStr(b + 32)}
	}
	if ld8(p+80) != 0 {
		req.Repo = liftRepo(p + 88)
	}
	return req
}

func plugin() Plugin {
	if registered == nil {
		panic("sdk: no plugin registered (call sdk.Register in init)")
	}
	return registered
}

//go:wasmexport describe
func exportDescribe() uint32 {
	release()
	var e enc
	info, err := DescribePlugin(plugin())
	if err != nil {
		info = Info{DisplayName: err.Error()}
	}
	e.info(e.alloc(infoSize, 4), info)
	return ret(&e)
}

//go:wasmexport cabi_post_describe
func postDescribe(uint32) { release() }

//go:wasmexport handle
func exportHandle(p uint32) uint32 {
	req := liftRequest(p)
	release()
	resp, err := CallHandle(plugin(), wasmHost{}, req)
	var e enc
	e.responseResult(resp, err)
	return ret(&e)
}

//go:wasmexport cabi_post_handle
func postHandle(uint32) { release() }

//go:wasmexport parse-metadata
func exportParseMetadata(dp, dl, fp, fl uint32) uint32 {
	digest, filename := ldStrFlat(dp, dl), ldStrFlat(fp, fl)
	release()
	out, err := CallParseMetadata(plugin(), wasmHost{}, digest, filename)
	var e enc
	e.bytesResult(out, err)
	return ret(&e)
}

//go:wasmexport cabi_post_parse-metadata
func postParseMetadata(uint32) { release() }

//go:wasmexport validate
func exportValidate(dp, dl, pp, pl uint32) uint32 {
	digest, path := ldStrFlat(dp, dl), ldStrFlat(pp, pl)
	release()
	err := CallValidate(plugin(), wasmHost{}, digest, path)
	var e enc
	e.unitResult(err)
	return ret(&e)
}

//go:wasmexport cabi_post_validate
func postValidate(uint32) { release() }

//go:wasmexport generate-index
func exportGenerateIndex(pp, pl uint32) uint32 {
	path := ldStrFlat(pp, pl)
	release()
	resp, err := CallGenerateIndex(plugin(), wasmHost{}, path)
	var e enc
	e.responseResult(resp, err)
	return ret(&e)
}

//go:wasmexport cabi_post_generate-index
func postGenerateIndex(uint32) { release() }

//go:wasmexport classify
func exportClassify(pp, pl uint32) uint32 {
	path := ldStrFlat(pp, pl)
	release()
	return uint32(CallClassify(plugin(), path))
}

//go:wasmexport rewrite
func exportRewrite(pp, pl, bp, bl, up, ul, lp, ll uint32) uint32 {
	path, body := ldStrFlat(pp, pl), ldBytesFlat(bp, bl)
	upstream, local := ldStrFlat(up, ul), ldStrFlat(lp, ll)
	release()
	out, err := CallRewrite(plugin(), wasmHost{}, path, body, upstream, local)
	var e enc
	e.bytesResult(out, err)
	return ret(&e)
}

//go:wasmexport cabi_post_rewrite
func postRewrite(uint32) { release() }

//go:wasmexport merge
func exportMerge(pp, pl, dp, dl uint32) uint32 {
	path := ldStrFlat(pp, pl)
	docs := make([][]byte, dl)
	for i := range dl {
		docs[i] = ldBytes(dp + i*8)
	}
	release()
	out, err := CallMerge(plugin(), wasmHost{}, path, docs)
	var e enc
	e.bytesResult(out, err)
	return ret(&e)
}

//go:wasmexport cabi_post_merge
func postMerge(uint32) { release() }

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
