package wasm

import "context"

// Modules of contracts before 0.4.0 return result<list<u8>, string> from
// rewrite and merge (0.4.0: result<document, string>). The parameters are
// lowered as the generated callRewrite and callMerge lower them; only the
// result is lifted differently: the bytes at 4, no header fields after them.

// callRewrite03 calls the export rewrite of a module before 0.4.0.
func (in *instance) callRewrite03(ctx context.Context, r *reader, path string, body []byte, upstreamBase string, localBase string) (ok []byte, fail *string, err error) {
	var e enc
	o1 := e.alloc(uint32(len(path)), 1)
	copy(e.buf[o1:], path)
	o2 := e.alloc(uint32(len(body)), 1)
	copy(e.buf[o2:], body)
	o3 := e.alloc(uint32(len(upstreamBase)), 1)
	copy(e.buf[o3:], upstreamBase)
	o4 := e.alloc(uint32(len(localBase)), 1)
	copy(e.buf[o4:], localBase)
	base, err := in.put(ctx, &e)
	if err != nil {
		return
	}
	err = in.call(ctx, "rewrite", func(p uint32) error {
		ok, fail = r.bytesResult(p)
		return r.err
	}, uint64(base+o1), uint64(len(path)), uint64(base+o2), uint64(len(body)), uint64(base+o3), uint64(len(upstreamBase)), uint64(base+o4), uint64(len(localBase)))
	return
}

// callMerge03 calls the export merge of a module before 0.4.0.
func (in *instance) callMerge03(ctx context.Context, r *reader, path string, docs [][]byte) (ok []byte, fail *string, err error) {
	var e enc
	o1 := e.alloc(uint32(len(path)), 1)
	copy(e.buf[o1:], path)
	o2 := e.alloc(uint32(len(docs))*8, 4)
	for i := range docs {
		e.bytes(o2+uint32(i)*8, docs[i])
	}
	base, err := in.put(ctx, &e)
	if err != nil {
		return
	}
	err = in.call(ctx, "merge", func(p uint32) error {
		ok, fail = r.bytesResult(p)
		return r.err
	}, uint64(base+o1), uint64(len(path)), uint64(base+o2), uint64(len(docs)))
	return
}

// bytesResult lifts a result<list<u8>, string> at p.
func (r *reader) bytesResult(p uint32) (ok []byte, fail *string) {
	switch tag := r.u8(p); tag {
	case 0:
		ok = r.bytes(p + 4)
	case 1:
		v := r.str(p + 4)
		fail = &v
	default:
		r.fail("result tag %d", tag)
	}
	return ok, fail
}
