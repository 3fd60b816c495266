package wasm

import (
	"fmt"

	"github.com/keeper-registry/keeper/ports"
)

// maxStrList bounds a list<string> parameter of an import (concat-blobs).
const maxStrList = 10000

// strList lifts a flat list<string> parameter (ptr, len at stack i, i+1).
func (a args) strList(i int) ([]string, error) {
	base, n := a.u32(i), a.u32(i+1)
	if n > maxStrList {
		return nil, fmt.Errorf("wasm: list of %d strings exceeds %d: %w", n, maxStrList, ports.ErrTooLarge)
	}
	out := make([]string, 0, n)
	for k := uint32(0); k < n; k++ {
		out = append(out, a.rd.str(base+k*8))
		if a.rd.err != nil {
			return nil, a.rd.err
		}
	}
	return out, nil
}

// result<body, string>: tag 0, payload 8 (digest 8, size u64 16, sha1 24,
// md5 32, sha512 40); size 48, align 8.
func resBody(b ports.Body, err error) *enc {
	if err != nil {
		return resErr(48, 8, 8, err)
	}
	e := &enc{}
	e.alloc(48, 8)
	e.str(8, b.Digest)
	e.u64(16, uint64(b.Size))
	e.str(24, b.SHA1)
	e.str(32, b.MD5)
	e.str(40, b.SHA512)
	return e
}
