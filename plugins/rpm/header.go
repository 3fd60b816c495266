package rpm

// The RPM v4 package file: a 96-byte lead, the signature header (padded to
// 8 bytes), the main header, then the compressed cpio payload. Both headers
// are an intro (magic 8e ad e8 01, 4 reserved bytes, index count, data size),
// index entries of 16 bytes (tag, type, offset, count) and a data store.
// https://rpm-software-management.github.io/rpm/manual/format.html
// https://rpm-software-management.github.io/rpm/manual/tags.html

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Limits: rpm itself allows 0xffff tags and 256 MiB of header data
// (HEADER_TAGS_MAX/HEADER_DATA_MAX in lib/header_internal.h); a header is read
// into plugin memory, so Keeper caps its data store at 16 MiB (the host's
// largest single read) and the signature header at 1 MiB.
const (
	leadSize       = 96
	introSize      = 16
	maxTags        = 0xffff
	maxHeaderData  = 16 << 20
	maxSigData     = 1 << 20
	maxFiles       = 200000
	maxDeps        = 20000
	maxChangelogs  = 1000
	maxArray       = 1 << 18 // entries of one tag
	headerSHA256   = 273     // RPMSIGTAG_SHA256: hex sha256 of the main header
	sigSize        = 1000    // RPMSIGTAG_SIZE: main header + payload bytes
	sigLongSize    = 270     // RPMSIGTAG_LONGSIZE
	sigPayloadSize = 1007    // RPMSIGTAG_PAYLOADSIZE: uncompressed payload
)

// Header tags read by the plugin (rpmtag.h).
const (
	tagName           = 1000
	tagVersion        = 1001
	tagRelease        = 1002
	tagEpoch          = 1003
	tagSummary        = 1004
	tagDescription    = 1005
	tagBuildTime      = 1006
	tagBuildHost      = 1007
	tagSize           = 1009
	tagVendor         = 1011
	tagLicense        = 1014
	tagPackager       = 1015
	tagGroup          = 1016
	tagURL            = 1020
	tagArch           = 1022
	tagOldFilenames   = 1027
	tagFileModes      = 1030
	tagFileFlags      = 1037
	tagSourceRPM      = 1044
	tagArchiveSize    = 1046
	tagProvideName    = 1047
	tagRequireFlags   = 1048
	tagRequireName    = 1049
	tagRequireVersion = 1050
	tagConflictFlags  = 1053
	tagConflictName   = 1054
	tagConflictVer    = 1055
	tagChangelogTime  = 1080
	tagChangelogName  = 1081
	tagChangelogText  = 1082
	tagObsoleteName   = 1090
	tagProvideFlags   = 1112
	tagProvideVersion = 1113
	tagObsoleteFlags  = 1114
	tagObsoleteVer    = 1115
	tagDirIndexes     = 1116
	tagBaseNames      = 1117
	tagDirNames       = 1118
	tagPayloadDigest  = 5092
	tagPayloadAlgo    = 5093
	tagLongSize       = 5009
	tagLongArchive    = 271
)

// Tag data types.
const (
	typeChar        = 1
	typeInt8        = 2
	typeInt16       = 3
	typeInt32       = 4
	typeInt64       = 5
	typeString      = 6
	typeBin         = 7
	typeStringArray = 8
	typeI18NString  = 9
)

var (
	leadMagic   = []byte{0xed, 0xab, 0xee, 0xdb}
	headerMagic = []byte{0x8e, 0xad, 0xe8, 0x01}
)

// ErrBadPackage marks every reason a file is not an acceptable RPM package.
var ErrBadPackage = errors.New("not a valid rpm package")

func bad(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrBadPackage, fmt.Sprintf(format, a...))
}

// ReadAt reads up to n bytes at off of the package file.
type ReadAt func(off uint64, n uint32) ([]byte, error)

// header is one parsed header structure.
type header struct {
	entries map[uint32]entry
	store   []byte
}

type entry struct {
	typ, off, count uint32
}

// Layout says where a package's parts lie in the file.
type Layout struct {
	SigStart, HeaderStart, HeaderEnd, Size uint64
}

// readExact reads exactly n bytes or fails as truncated.
func readExact(r ReadAt, off uint64, n uint32, what string) ([]byte, error) {
	b, err := r(off, n)
	if err != nil {
		return nil, err
	}
	if uint32(len(b)) != n {
		return nil, bad("truncated: the file ends inside the %s", what)
	}
	return b, nil
}

// readHeader reads the header structure at off and returns it with its size.
func readHeader(r ReadAt, off uint64, maxData uint32, what string) (*header, []byte, error) {
	intro, err := readExact(r, off, introSize, what)
	if err != nil {
		return nil, nil, err
	}
	if !bytes.Equal(intro[:4], headerMagic) {
		return nil, nil, bad("%s has no header magic", what)
	}
	n := binary.BigEndian.Uint32(intro[8:])
	dl := binary.BigEndian.Uint32(intro[12:])
	if n == 0 || n > maxTags {
		return nil, nil, bad("%s has %d tags (1..%d allowed)", what, n, maxTags)
	}
	if dl > maxData {
		return nil, nil, bad("%s data is %d bytes (at most %d)", what, dl, maxData)
	}
	rest, err := readExact(r, off+introSize, n*16+dl, what)
	if err != nil {
		return nil, nil, err
	}
	h := &header{entries: make(map[uint32]entry, n), store: rest[n*16:]}
	for i := uint32(0); i < n; i++ {
		e := rest[i*16:]
		tag := binary.BigEndian.Uint32(e)
		en := entry{typ: binary.BigEndian.Uint32(e[4:]), off: binary.BigEndian.Uint32(e[8:]), count: binary.BigEndian.Uint32(e[12:])}
		if en.off > dl || en.typ > typeI18NString || en.count > dl+1 || en.count > maxArray {
			return nil, nil, bad("%s tag %d points outside its data", what, tag)
		}
		h.entries[tag] = en
	}
	return h, append(intro, rest...), nil
}

func (h *header) strings(tag uint32) ([]string, error) {
	e, ok := h.entries[tag]
	if !ok {
		return nil, nil
	}
	if e.typ != typeString && e.typ != typeStringArray && e.typ != typeI18NString {
		return nil, bad("tag %d is not a string", tag)
	}
	n := e.count
	if e.typ == typeString {
		n = 1
	}
	out := make([]string, 0, min(n, 1024))
	p := h.store[e.off:]
	for i := uint32(0); i < n; i++ {
		end := bytes.IndexByte(p, 0)
		if end < 0 {
			return nil, bad("tag %d has an unterminated string", tag)
		}
		out = append(out, string(p[:end]))
		p = p[end+1:]
	}
	return out, nil
}

func (h *header) str(tag uint32) (string, error) {
	s, err := h.strings(tag)
	if err != nil || len(s) == 0 {
		return "", err
	}
	return s[0], nil
}

// ints returns an integer tag of any width as uint64s.
func (h *header) ints(tag uint32) ([]uint64, error) {
	e, ok := h.entries[tag]
	if !ok {
		return nil, nil
	}
	var w uint32
	switch e.typ {
	case typeChar, typeInt8:
		w = 1
	case typeInt16:
		w = 2
	case typeInt32:
		w = 4
	case typeInt64:
		w = 8
	default:
		return nil, bad("tag %d is not an integer", tag)
	}
	if uint64(e.off)+uint64(e.count)*uint64(w) > uint64(len(h.store)) {
		return nil, bad("tag %d points outside its data", tag)
	}
	out := make([]uint64, e.count)
	p := h.store[e.off:]
	for i := range out {
		switch w {
		case 1:
			out[i] = uint64(p[i])
		case 2:
			out[i] = uint64(binary.BigEndian.Uint16(p[i*2:]))
		case 4:
			out[i] = uint64(binary.BigEndian.Uint32(p[i*4:]))
		default:
			out[i] = binary.BigEndian.Uint64(p[i*8:])
		}
	}
	return out, nil
}

func (h *header) int(tag uint32) (uint64, bool, error) {
	v, err := h.ints(tag)
	if err != nil || len(v) == 0 {
		return 0, false, err
	}
	return v[0], true, nil
}
