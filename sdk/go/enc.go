package sdk

import "encoding/binary"

// enc builds a canonical-ABI memory image whose pointers are relative to the
// image start; finish relocates them once the image's guest address is known.
// It has no wasm dependency so it is unit-tested natively.
type enc struct {
	buf    []byte
	relocs []uint32
}

func alignUp(n, a uint32) uint32 { return (n + a - 1) &^ (a - 1) }

// alloc reserves size zeroed bytes aligned to align and returns their offset.
func (e *enc) alloc(size, align uint32) uint32 {
	off := alignUp(uint32(len(e.buf)), align)
	need := int(off + size)
	for len(e.buf) < need {
		e.buf = append(e.buf, 0)
	}
	return off
}

func (e *enc) u8(off uint32, v uint8)   { e.buf[off] = v }
func (e *enc) u16(off uint32, v uint16) { binary.LittleEndian.PutUint16(e.buf[off:], v) }
func (e *enc) u32(off uint32, v uint32) { binary.LittleEndian.PutUint32(e.buf[off:], v) }
func (e *enc) u64(off uint32, v uint64) { binary.LittleEndian.PutUint64(e.buf[off:], v) }

func (e *enc) boolean(off uint32, v bool) {
	if v {
		e.buf[off] = 1
	}
}

// ptr writes a relative pointer at off that finish will relocate.
func (e *enc) ptr(off, target uint32) {
	e.u32(off, target)
	e.relocs = append(e.relocs, off)
}

// bytes writes a list<u8> (or string) header at off and its contents.
func (e *enc) bytes(off uint32, b []byte) {
	p := e.alloc(uint32(len(b)), 1)
	copy(e.buf[p:], b)
	e.ptr(off, p)
	e.u32(off+4, uint32(len(b)))
}

func (e *enc) str(off uint32, s string) {
	p := e.alloc(uint32(len(s)), 1)
	copy(e.buf[p:], s)
	e.ptr(off, p)
	e.u32(off+4, uint32(len(s)))
}

// list writes a list header at off for n elements of size/align and returns
// the offset of the first element.
func (e *enc) list(off uint32, n int, size, align uint32) uint32 {
	p := e.alloc(uint32(n)*size, align)
	e.ptr(off, p)
	e.u32(off+4, uint32(n))
	return p
}

// finish relocates every pointer by base (the image's final address) into dst.
func (e *enc) finish(dst []byte, base uint32) {
	copy(dst, e.buf)
	for _, off := range e.relocs {
		binary.LittleEndian.PutUint32(dst[off:], binary.LittleEndian.Uint32(dst[off:])+base)
	}
}

// Layouts of the WIT records (canonical ABI sizes/offsets).

// putHeaders writes list<tuple<string,string>> at off.
func (e *enc) headers(off uint32, hs []Header) {
	p := e.list(off, len(hs), 16, 4)
	for i, h := range hs {
		e.str(p+uint32(i)*16, h.Name)
		e.str(p+uint32(i)*16+8, h.Value)
	}
}

// info: key 0, display-name 8, version 16, contract-version 24, mounts 32,
// capabilities 40; size 48 align 4. mount: prefix 0, root 8,
// anonymous-paths 12; size 20.
func (e *enc) info(off uint32, in Info) {
	e.str(off, in.Key)
	e.str(off+8, in.DisplayName)
	e.str(off+16, in.Version)
	e.str(off+24, in.ContractVersion)
	p := e.list(off+32, len(in.Mounts), 20, 4)
	for i, m := range in.Mounts {
		q := p + uint32(i)*20
		e.str(q, m.Prefix)
		e.boolean(q+8, m.Root)
		ap := e.list(q+12, len(m.AnonymousPaths), 8, 4)
		for j, a := range m.AnonymousPaths {
			e.str(ap+uint32(j)*8, a)
		}
	}
	p = e.list(off+40, len(in.Capabilities), 8, 4)
	for i, c := range in.Capabilities {
		e.str(p+uint32(i)*8, c)
	}
}

// response: status u16 0, headers 4, body variant 12 (tag u8, payload at +4),
// cache-ttl-ms u64 24; size 32 align 8.
func (e *enc) response(off uint32, r *Response) {
	e.u16(off, uint16(r.Status))
	e.headers(off+4, r.Headers)
	e.u8(off+12, uint8(r.Kind))
	switch r.Kind {
	case BodyBytes:
		e.bytes(off+16, r.Bytes)
	case BodyServePath, BodyServeBlob:
		e.str(off+16, r.Target)
	}
	e.u64(off+24, r.CacheTTLMs)
}

// responseResult: result<response, plugin-error>: tag 0, payload 8; size 40.
// plugin-error: status u16 0, message 4.
func (e *enc) responseResult(resp *Response, err error) {
	off := e.alloc(40, 8)
	if err != nil {
		pe := AsError(err)
		e.u8(off, 1)
		e.u16(off+8, uint16(pe.Status))
		e.str(off+12, pe.Message)
		return
	}
	e.response(off+8, resp)
}

// bytesResult: result<list<u8>, string>: tag 0, payload 4; size 12.
func (e *enc) bytesResult(b []byte, err error) {
	off := e.alloc(12, 4)
	if err != nil {
		e.u8(off, 1)
		e.str(off+4, err.Error())
		return
	}
	e.bytes(off+4, b)
}

// unitResult: result<_, string>: tag 0, payload 4; size 12.
func (e *enc) unitResult(err error) {
	off := e.alloc(12, 4)
	if err != nil {
		e.u8(off, 1)
		e.str(off+4, err.Error())
	}
}
