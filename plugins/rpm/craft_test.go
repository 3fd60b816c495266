package rpm

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"sort"
)

// tagVal is one tag of a crafted header.
type tagVal struct {
	typ  uint32
	data []byte
	n    uint32
}

func sv(s string) tagVal { return tagVal{typeString, append([]byte(s), 0), 1} }

func sa(ss ...string) tagVal {
	var b []byte
	for _, s := range ss {
		b = append(append(b, s...), 0)
	}
	return tagVal{typeStringArray, b, uint32(len(ss))}
}

func i32(vs ...uint32) tagVal {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.BigEndian.PutUint32(b[i*4:], v)
	}
	return tagVal{typeInt32, b, uint32(len(vs))}
}

// encodeHeader writes a header structure (intro, index, store).
func encodeHeader(tags map[uint32]tagVal) []byte {
	keys := make([]uint32, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	var index, store bytes.Buffer
	for _, k := range keys {
		v := tags[k]
		align := map[uint32]int{typeInt16: 2, typeInt32: 4, typeInt64: 8}[v.typ]
		for align > 0 && store.Len()%align != 0 {
			store.WriteByte(0)
		}
		var e [16]byte
		binary.BigEndian.PutUint32(e[0:], k)
		binary.BigEndian.PutUint32(e[4:], v.typ)
		binary.BigEndian.PutUint32(e[8:], uint32(store.Len()))
		binary.BigEndian.PutUint32(e[12:], v.n)
		index.Write(e[:])
		store.Write(v.data)
	}
	var out bytes.Buffer
	out.Write(headerMagic)
	out.Write(make([]byte, 4))
	_ = binary.Write(&out, binary.BigEndian, uint32(len(keys)))
	_ = binary.Write(&out, binary.BigEndian, uint32(store.Len()))
	out.Write(index.Bytes())
	out.Write(store.Bytes())
	return out.Bytes()
}

// craft builds a package whose digests are right, from header tags; the
// basics (name, version, …, payload digest) are filled in unless given.
func craft(tags map[uint32]tagVal, payload []byte) []byte {
	base := map[uint32]tagVal{
		tagName: sv("crafted"), tagVersion: sv("1"), tagRelease: sv("1"), tagArch: sv("noarch"),
		tagSourceRPM: sv("crafted-1-1.src.rpm"), tagSummary: sv("crafted"),
	}
	for k, v := range tags {
		base[k] = v
	}
	if _, ok := base[tagPayloadDigest]; !ok {
		s := sha256.Sum256(payload)
		base[tagPayloadDigest] = sa(hex.EncodeToString(s[:]))
	}
	hdr := encodeHeader(base)
	hs := sha256.Sum256(hdr)
	sig := encodeHeader(map[uint32]tagVal{
		headerSHA256: sv(hex.EncodeToString(hs[:])),
		sigSize:      i32(uint32(len(hdr) + len(payload))),
	})
	lead := make([]byte, leadSize)
	copy(lead, leadMagic)
	lead[4] = 3
	out := append(lead, sig...)
	for len(out)%8 != 0 {
		out = append(out, 0)
	}
	out = append(out, hdr...)
	return append(out, payload...)
}
