package wasm

import (
	"context"
	"errors"
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

// list-repos(after, limit) -> result<list<string>, string>: keys of readable
// repositories of the plugin's format.
var listReposImport = importFn{name: "list-repos", params: 4, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
	keys, err := cs.host.ListRepos(ctx, a.str(0), clampLimit(a.u32(2)))
	return resList(len(keys), 8, 4, err, func(e *enc, i int, off uint32) { e.str(off, keys[i]) })
}}

// list-repo-packages(repo, prefix, after, limit) -> result<list<package-info>, string>.
var listRepoPackagesImport = importFn{name: "list-repo-packages", params: 8, retSize: 12, run: func(ctx context.Context, cs *callState, a args) *enc {
	ps, err := cs.host.ListRepoPackages(ctx, a.str(0), a.str(2), a.str(4), clampLimit(a.u32(6)))
	return resList(len(ps), sizePackage, 8, err, func(e *enc, i int, off uint32) {
		e.str(off, ps[i].Name)
		e.u64(off+8, uint64(ms(ps[i].CreatedAt)))
		e.u64(off+16, uint64(ms(ps[i].UpdatedAt)))
	})
}}

// maxRanges bounds the parts of one concat-ranges call.
const maxRanges = 10000

// errNoRanges answers the 0.2.0 blob-range imports when the host call
// cannot build blobs from ranges.
var errNoRanges = errors.New("blob ranges are unavailable in this call")

// concat-ranges(parts: list<blob-range>) -> result<body, string>.
var concatRangesImport = importFn{name: "concat-ranges", params: 3, retSize: 48, since02: true,
	run: func(ctx context.Context, cs *callState, a args) *enc {
		br, ok := cs.host.(ports.BlobRanges)
		if !ok {
			return resBody(ports.Body{}, errNoRanges)
		}
		base, n := a.u32(0), a.u32(1)
		if n > maxRanges {
			return resBody(ports.Body{}, fmt.Errorf("wasm: %d ranges exceed %d: %w", n, maxRanges, ports.ErrTooLarge))
		}
		parts := make([]ports.BlobRange, 0, n)
		for k := uint32(0); k < n; k++ {
			q := base + k*sizeBlobRange
			parts = append(parts, ports.BlobRange{Digest: a.rd.str(q), Offset: clampInt(a.rd.u64(q + 8)), Length: clampInt(a.rd.u64(q + 16))})
			if a.rd.err != nil {
				return nil
			}
		}
		return resBody(br.ConcatRanges(ctx, parts))
	}}

// decode-base64(digest, offset, length) -> result<body, string>.
var decodeBase64Import = importFn{name: "decode-base64", params: 5, wide: []int{2, 3}, retSize: 48, since02: true,
	run: func(ctx context.Context, cs *callState, a args) *enc {
		br, ok := cs.host.(ports.BlobRanges)
		if !ok {
			return resBody(ports.Body{}, errNoRanges)
		}
		return resBody(br.DecodeBase64(ctx, ports.BlobRange{Digest: a.str(0), Offset: clampInt(a.u64(2)), Length: clampInt(a.u64(3))}))
	}}

// clampInt converts a u64 offset or length to int64, saturating.
func clampInt(v uint64) int64 { return int64(min(v, 1<<62)) }

// index-bytes(digest, offset, pattern) -> result<option<u64>, string>:
// tag 0, payload 8 (option tag 8, value 16); size 24.
var indexBytesImport = importFn{name: "index-bytes", params: 6, wide: []int{2}, retSize: 24, since02: true,
	run: func(ctx context.Context, cs *callState, a args) *enc {
		br, ok := cs.host.(ports.BlobRanges)
		if !ok {
			return resErr(24, 8, 8, errNoRanges)
		}
		if a.u32(4) > ports.MaxIndexPattern {
			return resErr(24, 8, 8, fmt.Errorf("wasm: pattern of %d bytes exceeds %d: %w", a.u32(4), ports.MaxIndexPattern, ports.ErrInvalid))
		}
		at, err := br.IndexBytes(ctx, a.str(0), clampInt(a.u64(2)), a.bytes(3))
		if err != nil {
			return resErr(24, 8, 8, err)
		}
		e := &enc{}
		e.alloc(24, 8)
		if at >= 0 {
			e.u8(8, 1)
			e.u64(16, uint64(at))
		}
		return e
	}}
