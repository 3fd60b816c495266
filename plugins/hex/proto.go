package hex

// Protocol buffers encoding of the Hex registry resources, after hex_core's
// proto files (proto2):
// https://github.com/hexpm/hex_core/tree/main/proto (signed.proto,
// names.proto, versions.proto, package.proto) and
// https://github.com/hexpm/specifications/blob/main/registry-v2.md

// pb appends protobuf fields.
type pb []byte

func (b pb) varint(v uint64) pb {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func (b pb) tag(field int, wire uint64) pb { return b.varint(uint64(field)<<3 | wire) }

// bytes appends a length-delimited field (string, bytes, message).
func (b pb) bytes(field int, v []byte) pb {
	return append(b.tag(field, 2).varint(uint64(len(v))), v...)
}

func (b pb) str(field int, v string) pb {
	return append(b.tag(field, 2).varint(uint64(len(v))), v...)
}

// hexBytes appends a length-delimited field of the bytes the hex text v
// spells (two digits a byte; an odd last digit is dropped).
func (b pb) hexBytes(field int, v string) pb {
	b = b.tag(field, 2).varint(uint64(len(v) / 2))
	for i := 0; i+1 < len(v); i += 2 {
		b = append(b, fromHex(v[i])<<4|fromHex(v[i+1]))
	}
	return b
}

func (b pb) uint(field int, v uint64) pb { return b.tag(field, 0).varint(v) }

func (b pb) boolean(field int, v bool) pb {
	if v {
		return b.uint(field, 1)
	}
	return b.uint(field, 0)
}

// signed encodes Signed{payload = 1, signature = 2}.
func signed(payload, signature []byte) []byte {
	return pb(nil).bytes(1, payload).bytes(2, signature)
}

// nameEntry is names.proto's Package.
type nameEntry struct {
	Name      string
	UpdatedMs int64
}

// encodeNames encodes Names{packages = 1 (Package{name = 1, updated_at = 2
// (Timestamp{seconds = 1, nanos = 2})}), repository = 2}.
func encodeNames(repo string, pkgs []nameEntry) []byte {
	var b pb
	for _, p := range pkgs {
		m := pb(nil).str(1, p.Name)
		if p.UpdatedMs > 0 {
			ts := pb(nil).uint(1, uint64(p.UpdatedMs/1000)).uint(2, uint64(p.UpdatedMs%1000*1_000_000))
			m = m.bytes(2, ts)
		}
		b = b.bytes(1, m)
	}
	return b.str(2, repo)
}

// versionsEntry is versions.proto's Package.
type versionsEntry struct {
	Name     string
	Versions []string
	Retired  []int32
}

// encodeVersions encodes Versions{packages = 1 (Package{name = 1,
// versions = 2, retired = 3 packed}), repository = 2}.
func encodeVersions(repo string, pkgs []versionsEntry) []byte {
	var b pb
	for _, p := range pkgs {
		m := pb(nil).str(1, p.Name)
		for _, v := range p.Versions {
			m = m.str(2, v)
		}
		if len(p.Retired) > 0 {
			var packed pb
			for _, r := range p.Retired {
				packed = packed.varint(uint64(uint32(r)))
			}
			m = m.bytes(3, packed)
		}
		b = b.bytes(1, m)
	}
	return b.str(2, repo)
}

// release is package.proto's Release as Keeper stores it (JSON version metadata).
type release struct {
	Version       string       `json:"version"`
	InnerChecksum string       `json:"inner_checksum"` // hex
	OuterChecksum string       `json:"outer_checksum"` // hex
	Dependencies  []dependency `json:"dependencies,omitempty"`
	// SortKey is the version's semver.AppendKey, stored at publish so the
	// host sorts the releases (sorted.go); rows stored before have none.
	SortKey string `json:"sort_key,omitempty"`
}

type dependency struct {
	Package     string `json:"package"`
	Requirement string `json:"requirement"`
	Optional    bool   `json:"optional,omitempty"`
	App         string `json:"app,omitempty"`
	Repository  string `json:"repository,omitempty"`
}

// encodePackage encodes Package{releases = 1 (Release{version = 1,
// inner_checksum = 2, dependencies = 3 (Dependency{package = 1,
// requirement = 2, optional = 3, app = 4, repository = 5}),
// outer_checksum = 5}), name = 2, repository = 3}.
func encodePackage(repo, name string, rels []release) []byte {
	// m and dm are reused for every release and dependency message.
	var b, m, dm pb
	for i := range rels {
		r := &rels[i]
		m = m[:0].str(1, r.Version).hexBytes(2, r.InnerChecksum)
		for j := range r.Dependencies {
			d := &r.Dependencies[j]
			dm = dm[:0].str(1, d.Package).str(2, d.Requirement)
			if d.Optional {
				dm = dm.boolean(3, true)
			}
			if d.App != "" {
				dm = dm.str(4, d.App)
			}
			if d.Repository != "" {
				dm = dm.str(5, d.Repository)
			}
			m = m.bytes(3, dm)
		}
		if r.OuterChecksum != "" {
			m = m.hexBytes(5, r.OuterChecksum)
		}
		b = b.bytes(1, m)
	}
	return b.str(2, name).str(3, repo)
}

func fromHex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}
