package wasm

import (
	"sort"
	"strconv"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Canonical-ABI layouts of wit/keeper-format.wit (offsets in bytes).
const (
	sizeRequest     = 168 // align 8
	sizeRepoContext = 64  // align 8
	sizeFile        = 96  // align 8
	sizeEntry       = 24  // archive-entry, align 8
	sizePackage     = 24  // package-info, align 8
	sizeVersion     = 32  // version-info, align 8
	sizeKV          = 16  // kv-entry, align 4
	sizeHeader      = 16  // tuple<string,string>, align 4
	sizeMount       = 20  // prefix 0, root 8, anonymous-paths 12
	sizeResponse    = 32  // align 8
	sizeSetup       = 32  // setup-snippet: kind 0, client 8, target 16, text 24
	sizeBlobRange   = 24  // blob-range: digest 0, offset 8, length 16; align 8
)

func (e *enc) headers(off uint32, hs []ports.Header) {
	p := e.list(off, len(hs), sizeHeader, 4)
	for i, h := range hs {
		e.str(p+uint32(i)*sizeHeader, h.Name)
		e.str(p+uint32(i)*sizeHeader+8, h.Value)
	}
}

// repo-context: key 0, kind 8, format 16, is-public 24, base-url 28,
// upstream-url 36, config 44, generation 56.
func (e *enc) repo(off uint32, r *ports.RepoContext) {
	e.str(off, r.Key)
	e.str(off+8, r.Type)
	e.str(off+16, r.Format)
	e.boolean(off+24, r.IsPublic)
	e.str(off+28, r.BaseURL)
	e.str(off+36, r.UpstreamURL)
	keys := make([]string, 0, len(r.Config))
	for k := range r.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	p := e.list(off+44, len(keys), sizeHeader, 4)
	for i, k := range keys {
		e.str(p+uint32(i)*sizeHeader, k)
		e.str(p+uint32(i)*sizeHeader+8, r.Config[k])
	}
	e.u64(off+56, uint64(r.Generation))
}

// request: method 0, path 8, raw-query 16, headers 24, body option 32
// (payload 40: digest, size u64 +8, sha1 +16, md5 +24, sha512 +32),
// repo option 80 (payload 88), user 152, base-url 160.
func (e *enc) request(req *ports.FormatRequest) {
	off := e.alloc(sizeRequest, 8)
	e.str(off, req.Method)
	e.str(off+8, req.Path)
	e.str(off+16, req.RawQuery)
	e.headers(off+24, req.Headers)
	if b := req.Body; b != nil {
		e.u8(off+32, 1)
		e.str(off+40, b.Digest)
		e.u64(off+48, uint64(b.Size))
		e.str(off+56, b.SHA1)
		e.str(off+64, b.MD5)
		e.str(off+72, b.SHA512)
	}
	if req.Repo != nil {
		e.u8(off+80, 1)
		e.repo(off+88, req.Repo)
	}
	e.str(off+152, req.User)
	e.str(off+160, req.BaseURL)
}

// file: path 0, blob-digest 8, size 16, content-type 24, sha256 32, sha1 40,
// md5 48, sha512 56, package 64, version 72, metadata 80, created-ms 88.
func (e *enc) file(off uint32, f *ports.File) {
	e.str(off, f.Path)
	e.str(off+8, f.BlobDigest)
	e.u64(off+16, uint64(f.Size))
	e.str(off+24, f.ContentType)
	e.str(off+32, f.SHA256)
	e.str(off+40, f.SHA1)
	e.str(off+48, f.MD5)
	e.str(off+56, f.SHA512)
	e.str(off+64, f.Package)
	e.str(off+72, f.Version)
	e.bytes(off+80, f.Metadata)
	e.u64(off+88, uint64(ms(f.CreatedAt)))
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Import results. Each starts with the fixed return area at offset 0.

// resErr writes a failed result<_, string> whose payload starts at pay.
func resErr(size, align, pay uint32, err error) *enc {
	e := &enc{}
	e.alloc(size, align)
	e.u8(0, 1)
	e.str(pay, err.Error())
	return e
}

// result<list<u8>, string> / result<string, string> / result<_, string>: payload at 4, size 12.
func resBytes(b []byte, err error) *enc {
	if err != nil {
		return resErr(12, 4, 4, err)
	}
	e := &enc{}
	e.alloc(12, 4)
	e.bytes(4, b)
	return e
}

func resString(s string, err error) *enc { return resBytes([]byte(s), err) }

func resUnit(err error) *enc {
	if err != nil {
		return resErr(12, 4, 4, err)
	}
	e := &enc{}
	e.alloc(12, 4)
	return e
}

// resList writes result<list<T>, string> with n elements laid out by put.
func resList(n int, size, align uint32, err error, put func(e *enc, i int, off uint32)) *enc {
	if err != nil {
		return resErr(12, 4, 4, err)
	}
	e := &enc{}
	e.alloc(12, 4)
	p := e.list(4, n, size, align)
	for i := 0; i < n; i++ {
		put(e, i, p+uint32(i)*size)
	}
	return e
}

// result<option<file>, string>: tag 0, payload 8 (option tag 8, file 16); size 112.
func resOptFile(f *ports.File, err error) *enc {
	if err != nil {
		return resErr(112, 8, 8, err)
	}
	e := &enc{}
	e.alloc(112, 8)
	if f != nil {
		e.u8(8, 1)
		e.file(16, f)
	}
	return e
}

// result<option<list<u8>>, string>: tag 0, payload 4 (option tag 4, list 8); size 16.
func resOptBytes(b []byte, found bool, err error) *enc {
	if err != nil {
		return resErr(16, 4, 4, err)
	}
	e := &enc{}
	e.alloc(16, 4)
	if found {
		e.u8(4, 1)
		e.bytes(8, b)
	}
	return e
}

// option<repo-context>: tag 0, payload 8; size 72.
func optRepo(r *ports.RepoContext) *enc {
	e := &enc{}
	e.alloc(72, 8)
	if r != nil {
		e.u8(0, 1)
		e.repo(8, r)
	}
	return e
}

// Export results.

// info at p: key 0, display-name 8, version 16, contract-version 24, mounts 32,
// capabilities 40; since 0.2.0 credentials 48 (basic 48, token-in-password
// 49, bearer 50, token-headers 52, challenge 60) and setup 68 (size 76).
// Fields are only appended, so the contract version is read first and a
// 0.1.0 record (size 48) is never read past its end.
func (r *reader) info(p uint32) ports.FormatInfo {
	in := ports.FormatInfo{Key: r.str(p), DisplayName: r.str(p + 8), Version: r.str(p + 16), ContractVersion: r.str(p + 24)}
	in.Mounts, in.Capabilities = r.mounts(p+32), r.strs(p+40)
	if in.ContractVersion == legacyContract {
		in.Credentials = ports.LegacyCredentials
		return in
	}
	in.Credentials = ports.Credentials{Basic: r.u8(p+48) != 0, TokenInPassword: r.u8(p+49) != 0, Bearer: r.u8(p+50) != 0,
		TokenHeaders: r.strs(p + 52), Challenge: r.str(p + 60)}
	sp, n := r.list(p+68, sizeSetup)
	for i := uint32(0); i < n && r.err == nil; i++ {
		q := sp + i*sizeSetup
		in.Setup = append(in.Setup, ports.SetupSnippet{Kind: r.str(q), Client: r.str(q + 8), Target: r.str(q + 16), Text: r.str(q + 24)})
	}
	return in
}

// legacyContract is the first contract version, still loaded.
const legacyContract = "0.1.0"

// strs lifts a list<string> header at p.
func (r *reader) strs(p uint32) []string {
	lp, n := r.list(p, 8)
	var out []string
	for i := uint32(0); i < n && r.err == nil; i++ {
		out = append(out, r.str(lp+i*8))
	}
	return out
}

// mounts lifts a list<mount> header at p.
func (r *reader) mounts(p uint32) []ports.Mount {
	var out []ports.Mount
	mp, n := r.list(p, sizeMount)
	for i := uint32(0); i < n && r.err == nil; i++ {
		q := mp + i*sizeMount
		out = append(out, ports.Mount{Prefix: r.str(q), Root: r.u8(q+8) != 0, AnonymousPaths: r.strs(q + 12)})
	}
	return out
}

func (r *reader) headers(p uint32) []ports.Header {
	hp, n := r.list(p, sizeHeader)
	var hs []ports.Header
	for i := uint32(0); i < n && r.err == nil; i++ {
		q := hp + i*sizeHeader
		hs = append(hs, ports.Header{Name: r.str(q), Value: r.str(q + 8)})
	}
	return hs
}

// response at p: status 0, headers 4, body variant 12 (payload 16), cache-ttl-ms 24.
func (r *reader) response(p uint32) ports.FormatResponse {
	resp := ports.FormatResponse{Status: int(r.u16(p)), Headers: r.headers(p + 4)}
	switch tag := r.u8(p + 12); tag {
	case 0:
	case 1:
		resp.Body = r.bytes(p + 16)
	case 2:
		resp.ServePath = r.str(p + 16)
	case 3:
		resp.ServeBlob = r.str(p + 16)
	default:
		r.fail("response-body tag %d", tag)
	}
	resp.CacheTTL = time.Duration(min(r.u64(p+24), uint64(1<<62)/uint64(time.Millisecond))) * time.Millisecond
	return resp
}

// PluginError is a plugin's own failure (the plugin-error record): the
// plugin ran fine and asks the host to answer Status with Message.
type PluginError struct {
	Status  int
	Message string
}

func (e *PluginError) Error() string {
	return "plugin error " + strconv.Itoa(e.Status) + ": " + e.Message
}

// responseResult at p: result<response, plugin-error>, tag 0, payload 8.
func (r *reader) responseResult(p uint32) (ports.FormatResponse, error) {
	switch tag := r.u8(p); tag {
	case 0:
		return r.response(p + 8), nil
	case 1:
		pe := &PluginError{Status: int(r.u16(p + 8)), Message: r.str(p + 12)}
		return ports.FormatResponse{}, pe
	default:
		r.fail("result tag %d", tag)
		return ports.FormatResponse{}, nil
	}
}

// bytesResult at p: result<list<u8>, string> / result<_, string>, payload 4.
func (r *reader) bytesResult(p uint32, unit bool) ([]byte, error) {
	switch tag := r.u8(p); tag {
	case 0:
		if unit {
			return nil, nil
		}
		return r.bytes(p + 4), nil
	case 1:
		return nil, &PluginError{Status: 500, Message: r.str(p + 4)}
	default:
		r.fail("result tag %d", tag)
		return nil, nil
	}
}
