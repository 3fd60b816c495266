//go:build wasip1

package sdk

import (
	"errors"
	"runtime"
	"unsafe"
)

type P = unsafe.Pointer

//go:wasmimport keeper:format/host@0.2.0 read-blob
func impReadBlob(dp P, dl uint32, off uint64, n uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 archive-list
func impArchiveList(dp P, dl uint32, kind uint32, max uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 archive-read
func impArchiveRead(dp P, dl uint32, kind uint32, np P, nl uint32, max uint64, ret P)

//go:wasmimport keeper:format/host@0.2.0 gunzip
func impGunzip(tag uint32, p P, l uint32, max uint64, ret P)

//go:wasmimport keeper:format/host@0.2.0 hash
func impHash(alg uint32, tag uint32, p P, l uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 get-file
func impGetFile(p P, l uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 list-files
func impListFiles(pp P, pl uint32, ap P, al uint32, limit uint32, kp P, kl uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 list-packages
func impListPackages(pp P, pl uint32, ap P, al uint32, limit uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 list-versions
func impListVersions(pp P, pl uint32, ap P, al uint32, limit uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 kv-get
func impKVGet(np P, nl uint32, kp P, kl uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 kv-put
func impKVPut(np P, nl uint32, kp P, kl uint32, vp P, vl uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 kv-delete
func impKVDelete(np P, nl uint32, kp P, kl uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 kv-list
func impKVList(np P, nl uint32, pp P, pl uint32, ap P, al uint32, limit uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 put-blob
func impPutBlob(p P, l uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 stage-file
func impStageFile(pp P, pl uint32, dp P, dl uint32, cp P, cl uint32, kp P, kl uint32, vp P, vl uint32, mp P, ml uint32, overwrite uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 stage-delete
func impStageDelete(p P, l uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 stage-version
func impStageVersion(kp P, kl uint32, vp P, vl uint32, mp P, ml uint32, del uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 repo
func impRepo(ret P)

//go:wasmimport keeper:format/host@0.2.0 login
func impLogin(up P, ul uint32, pp P, pl uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 log
func impLog(level uint32, p P, l uint32)

// wasmHost implements Host (and LoginHost) over the imports.
type wasmHost struct{}

var _ LoginHost = wasmHost{}

// retArea is a heap return area (heap objects never move during a call).
type retArea [16]uint64

func newRet() (*retArea, uint32) {
	r := new(retArea)
	return r, uint32(uintptr(unsafe.Pointer(r)))
}

func done(mark int) { clear(pins[mark:]); pins = pins[:mark] }

// errAt lifts the error string of a result whose payload is at p+off.
func errAt(r uint32, off uint32) error { return errors.New(ldStr(r + off)) }

func srcFlat(s Source) (uint32, P, uint32) {
	if s.Blob != "" {
		p, l := strRaw(s.Blob)
		return 1, p, l
	}
	p, l := bytesRaw(s.Bytes)
	return 0, p, l
}

// bytesOr lifts result<list<u8>, string> (payload at 4).
func bytesOr(r uint32) ([]byte, error) {
	if ld8(r) != 0 {
		return nil, errAt(r, 4)
	}
	return ldBytes(r + 4), nil
}

func unitOr(r uint32) error {
	if ld8(r) != 0 {
		return errAt(r, 4)
	}
	return nil
}

func (wasmHost) ReadBlob(digest string, off uint64, n uint32) ([]byte, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	dp, dl := strRaw(digest)
	impReadBlob(dp, dl, off, n, P(ra))
	return bytesOr(r)
}

func (wasmHost) ArchiveList(digest string, kind ArchiveKind, maxEntries uint32) ([]ArchiveEntry, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	dp, dl := strRaw(digest)
	impArchiveList(dp, dl, uint32(kind), maxEntries, P(ra))
	if ld8(r) != 0 {
		return nil, errAt(r, 4)
	}
	p, n := ld32(r+4), ld32(r+8)
	out := make([]ArchiveEntry, n)
	for i := range n {
		q := p + i*24
		out[i] = ArchiveEntry{Name: ldStr(q), Size: ld64(q + 8), IsDir: ld8(q+16) != 0}
	}
	return out, nil
}

func (wasmHost) ArchiveRead(digest string, kind ArchiveKind, name string, maxBytes uint64) ([]byte, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	dp, dl := strRaw(digest)
	np, nl := strRaw(name)
	impArchiveRead(dp, dl, uint32(kind), np, nl, maxBytes, P(ra))
	return bytesOr(r)
}

func (wasmHost) Gunzip(src Source, maxBytes uint64) ([]byte, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	tag, p, l := srcFlat(src)
	impGunzip(tag, p, l, maxBytes, P(ra))
	return bytesOr(r)
}

func (wasmHost) Hash(alg HashAlg, src Source) (string, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	tag, p, l := srcFlat(src)
	impHash(uint32(alg), tag, p, l, P(ra))
	if ld8(r) != 0 {
		return "", errAt(r, 4)
	}
	return ldStr(r + 4), nil
}

func liftFile(q uint32) File {
	return File{
		Path: ldStr(q), BlobDigest: ldStr(q + 8), Size: ld64(q + 16), ContentType: ldStr(q + 24),
		SHA256: ldStr(q + 32), SHA1: ldStr(q + 40), MD5: ldStr(q + 48), SHA512: ldStr(q + 56),
		Package: ldStr(q + 64), Version: ldStr(q + 72), Metadata: ldBytes(q + 80), CreatedMs: int64(ld64(q + 88)),
	}
}

func (wasmHost) GetFile(path string) (*File, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	p, l := strRaw(path)
	impGetFile(p, l, P(ra))
	if ld8(r) != 0 {
		return nil, errAt(r, 8)
	}
	if ld8(r+8) == 0 {
		return nil, nil
	}
	f := liftFile(r + 16)
	return &f, nil
}

func (wasmHost) ListFiles(prefix, after string, limit uint32, pkg string) ([]File, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	pp, pl := strRaw(prefix)
	ap, al := strRaw(after)
	kp, kl := strRaw(pkg)
	impListFiles(pp, pl, ap, al, limit, kp, kl, P(ra))
	if ld8(r) != 0 {
		return nil, errAt(r, 4)
	}
	p, n := ld32(r+4), ld32(r+8)
	out := make([]File, n)
	for i := range n {
		out[i] = liftFile(p + i*96)
	}
	return out, nil
}

func (wasmHost) ListPackages(prefix, after string, limit uint32) ([]PackageInfo, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	pp, pl := strRaw(prefix)
	ap, al := strRaw(after)
	impListPackages(pp, pl, ap, al, limit, P(ra))
	if ld8(r) != 0 {
		return nil, errAt(r, 4)
	}
	p, n := ld32(r+4), ld32(r+8)
	out := make([]PackageInfo, n)
	for i := range n {
		q := p + i*24
		out[i] = PackageInfo{Name: ldStr(q), CreatedMs: int64(ld64(q + 8)), UpdatedMs: int64(ld64(q + 16))}
	}
	return out, nil
}

func (wasmHost) ListVersions(pkg, after string, limit uint32) ([]VersionInfo, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	pp, pl := strRaw(pkg)
	ap, al := strRaw(after)
	impListVersions(pp, pl, ap, al, limit, P(ra))
	if ld8(r) != 0 {
		return nil, errAt(r, 4)
	}
	p, n := ld32(r+4), ld32(r+8)
	out := make([]VersionInfo, n)
	for i := range n {
		q := p + i*32
		out[i] = VersionInfo{Package: ldStr(q), Version: ldStr(q + 8), Metadata: ldBytes(q + 16), CreatedMs: int64(ld64(q + 24))}
	}
	return out, nil
}

func (wasmHost) KVGet(ns, key string) ([]byte, bool, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	np, nl := strRaw(ns)
	kp, kl := strRaw(key)
	impKVGet(np, nl, kp, kl, P(ra))
	if ld8(r) != 0 {
		return nil, false, errAt(r, 4)
	}
	if ld8(r+4) == 0 {
		return nil, false, nil
	}
	return ldBytes(r + 8), true, nil
}

func (wasmHost) KVPut(ns, key string, value []byte) error {
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	np, nl := strRaw(ns)
	kp, kl := strRaw(key)
	vp, vl := bytesRaw(value)
	mark := len(pins)
	defer done(mark)
	impKVPut(np, nl, kp, kl, vp, vl, P(ra))
	return unitOr(r)
}

func (wasmHost) KVDelete(ns, key string) error {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	np, nl := strRaw(ns)
	kp, kl := strRaw(key)
	impKVDelete(np, nl, kp, kl, P(ra))
	return unitOr(r)
}

func (wasmHost) KVList(ns, prefix, after string, limit uint32) ([]KVEntry, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	np, nl := strRaw(ns)
	pp, pl := strRaw(prefix)
	ap, al := strRaw(after)
	impKVList(np, nl, pp, pl, ap, al, limit, P(ra))
	if ld8(r) != 0 {
		return nil, errAt(r, 4)
	}
	p, n := ld32(r+4), ld32(r+8)
	out := make([]KVEntry, n)
	for i := range n {
		q := p + i*16
		out[i] = KVEntry{Key: ldStr(q), Value: ldBytes(q + 8)}
	}
	return out, nil
}

func (wasmHost) PutBlob(data []byte) (string, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	p, l := bytesRaw(data)
	impPutBlob(p, l, P(ra))
	if ld8(r) != 0 {
		return "", errAt(r, 4)
	}
	return ldStr(r + 4), nil
}

func (wasmHost) StageFile(f StagedFile) error {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	pp, pl := strRaw(f.Path)
	dp, dl := strRaw(f.BlobDigest)
	cp, cl := strRaw(f.ContentType)
	kp, kl := strRaw(f.Package)
	vp, vl := strRaw(f.Version)
	mp, ml := bytesRaw(f.Metadata)
	impStageFile(pp, pl, dp, dl, cp, cl, kp, kl, vp, vl, mp, ml, boolU32(f.Overwrite), P(ra))
	return unitOr(r)
}

func (wasmHost) StageDelete(path string) error {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	p, l := strRaw(path)
	impStageDelete(p, l, P(ra))
	return unitOr(r)
}

func (wasmHost) StageVersion(v VersionPut) error {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	kp, kl := strRaw(v.Package)
	vp, vl := strRaw(v.Version)
	mp, ml := bytesRaw(v.Metadata)
	impStageVersion(kp, kl, vp, vl, mp, ml, boolU32(v.Delete), P(ra))
	return unitOr(r)
}

func (wasmHost) Repo() *RepoContext {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	impRepo(P(ra))
	if ld8(r) == 0 {
		return nil
	}
	return liftRepo(r + 8)
}

func (wasmHost) Log(level LogLevel, msg string) {
	p, l := strRaw(msg)
	impLog(uint32(level), p, l)
}

func (wasmHost) Login(username, password string) (string, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	up, ul := strRaw(username)
	pp, pl := strRaw(password)
	impLogin(up, ul, pp, pl, P(ra))
	if ld8(r) != 0 {
		return "", errAt(r, 4)
	}
	return ldStr(r + 4), nil
}
