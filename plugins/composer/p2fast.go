package composer

import (
	"bytes"
	"slices"
	"sort"
	"unicode/utf8"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// The p2 document without encoding/json's reflection: records are read by
// a hand-written decoder that accepts only what upload stores (json.Marshal
// of a record: the keys in struct order, strings without escapes, compact
// field values), each version becomes a key-sorted list of members, the
// minified diff is a merge of two sorted lists and the body is appended
// directly. A record outside that shape makes the whole document irregular
// and renderP2 (the encoding/json render) writes it, so the bytes are always
// those of renderP2 (TestFastP2MatchesRender, TestFastP2Generated).

// fastRecord is a record whose byte slices point into its stored metadata.
type fastRecord struct {
	name, version, norm, path, sha1 []byte
	dev                             bool
	fields                          []member // in stored order
	created                         int64
	key                             normKey
	size                            int // of the stored metadata
}

// member is one key of a version object and its value's JSON bytes.
type member struct{ k, v []byte }

// fastRecords lists a package's versions like records; ok is false when
// one of them is irregular.
func fastRecords(h sdk.Host, name string) (tagged, dev []*fastRecord, ok bool, err error) {
	ok = true
	var slab []member      // every record's fields, in few allocations
	var chunk []fastRecord // records, 64 an allocation
	err = sdk.EachVersion(h, name, maxVersions, func(v sdk.VersionInfo) error {
		if !ok {
			return nil
		}
		if len(chunk) == cap(chunk) {
			chunk = make([]fastRecord, 0, 64)
		}
		chunk = append(chunk, fastRecord{})
		r := &chunk[len(chunk)-1]
		good := decodeRecord(v.Metadata, r, &slab)
		if !good {
			ok = false
			return nil
		}
		if string(r.name) != name {
			return nil
		}
		r.created = v.CreatedMs
		r.size = len(v.Metadata)
		r.key = splitNormKey(string(r.norm))
		if r.dev {
			dev = append(dev, r)
		} else {
			tagged = append(tagged, r)
		}
		return nil
	})
	for _, l := range [][]*fastRecord{tagged, dev} {
		sort.SliceStable(l, func(i, j int) bool { return l[i].key.compare(l[j].key) > 0 })
	}
	return tagged, dev, ok, err
}

// normKey is splitNorm's result, computed once a version.
type normKey struct {
	nums      [4]int
	stab, num int
}

// splitNormKey is splitNorm without allocating for the versions
// normalizeVersion writes (up to four dot-separated numbers, a stability
// suffix and its number); others go to splitNorm.
func splitNormKey(v string) normKey {
	var k normKey
	if len(v) >= 4 && v[:4] == "dev-" {
		k.stab = -1
		return k
	}
	main, suffix := v, ""
	for i := 0; i < len(v); i++ {
		if v[i] == '-' {
			main, suffix = v[:i], v[i+1:]
			break
		}
	}
	part, n := 0, 0
	for i := 0; i <= len(main); i++ {
		if i == len(main) || main[i] == '.' {
			if part == 3 && i < len(main) || i-n > 18 {
				return slowNormKey(v)
			}
			k.nums[part] = atoi(main[n:i])
			part++
			n = i + 1
			continue
		}
		if main[i] < '0' || main[i] > '9' {
			return slowNormKey(v)
		}
	}
	end := len(suffix)
	for end > 0 && suffix[end-1] >= '0' && suffix[end-1] <= '9' {
		end--
	}
	if len(suffix)-end > 18 {
		return slowNormKey(v)
	}
	k.stab = stabilityRank[suffix[:end]]
	k.num = atoi(suffix[end:])
	return k
}

func slowNormKey(v string) normKey {
	nums, stab, num := splitNorm(v)
	return normKey{nums, stab, num}
}

// atoi reads up to 18 digits (checked by the caller); "" is 0.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func (a normKey) compare(b normKey) int {
	for i := 0; i < 4; i++ {
		if a.nums[i] != b.nums[i] {
			return cmp(a.nums[i], b.nums[i])
		}
	}
	if a.stab != b.stab {
		return cmp(a.stab, b.stab)
	}
	return cmp(a.num, b.num)
}

// decodeRecord reads a record's members, each once, in any order:
// "name", "version", "norm", "path", "sha1" (strings), "dev" (a boolean)
// and "fields" (an object); any other member makes it irregular.
// The fields are appended to slab; r.fields is their part of it.
func decodeRecord(b []byte, r *fastRecord, slab *[]member) bool {
	d := dec{b: b}
	if !d.lit("{") {
		return false
	}
	var seen [12]bool
	for n := 0; !d.lit("}"); n++ {
		if n > 0 && !d.lit(",") {
			return false
		}
		var k []byte
		if !d.str(&k) || !d.lit(":") {
			return false
		}
		i := -1
		ok := false
		switch string(k) {
		case "name":
			i, ok = 0, d.str(&r.name)
		case "version":
			i, ok = 1, d.str(&r.version)
		case "norm":
			i, ok = 2, d.str(&r.norm)
		case "path":
			i, ok = 3, d.str(&r.path)
		case "sha1":
			i, ok = 4, d.str(&r.sha1)
		case "dev":
			i = 5
			if d.lit("true") {
				r.dev, ok = true, true
			} else {
				ok = d.lit("false")
			}
		case "fields":
			i, ok = 6, d.fields(r, slab)
		default:
			// The assembled form's members (assembled.go), not read here.
			if j := slices.Index(p2Members, string(k)); j >= 0 {
				i, ok = 7+j, d.anyStr()
			}
		}
		if i < 0 || !ok || seen[i] {
			return false
		}
		seen[i] = true
	}
	// Bytes above 0x7f can only be in strings (d.hi): then they must be UTF-8.
	return d.i == len(b) && (d.hi < 0x80 || utf8.Valid(b))
}

// fields reads the fields object: keys without escapes, each once.
func (d *dec) fields(r *fastRecord, slab *[]member) bool {
	if !d.lit("{") {
		return false
	}
	first := len(*slab)
	for n := 0; !d.lit("}"); n++ {
		if n > 0 && !d.lit(",") {
			return false
		}
		var m member
		if !d.str(&m.k) || !d.lit(":") {
			return false
		}
		start := d.i
		if !d.value(0) {
			return false
		}
		m.v = d.b[start:d.i]
		for _, o := range (*slab)[first:] {
			if bytes.Equal(o.k, m.k) {
				return false
			}
		}
		*slab = append(*slab, m)
	}
	r.fields = (*slab)[first:len(*slab):len(*slab)]
	return true
}

// Keys of the members every version object has.
var (
	keyName    = []byte("name")
	keyVersion = []byte("version")
	keyNorm    = []byte("version_normalized")
	keyTime    = []byte("time")
	keyDist    = []byte("dist")
	unset      = []byte(`"__unset"`)
)

// fastObject is versionObject's members sorted by key, values as marshal
// writes them; it reuses obj and arena (which must not hold the previous
// version's values).
func fastObject(obj []member, arena []byte, base string, r *fastRecord) ([]member, []byte) {
	obj = obj[:0]
	for _, f := range r.fields {
		switch string(f.k) {
		case "name", "version", "version_normalized", "time", "dist":
			continue
		}
		obj = append(obj, f)
	}
	// The generated values go to arena first (offsets), then become slices.
	arena = arena[:0]
	var offs [6]int
	arena = appendQuoted(arena, r.name)
	offs[0] = len(arena)
	arena = appendQuoted(arena, r.version)
	offs[1] = len(arena)
	arena = appendQuoted(arena, r.norm)
	offs[2] = len(arena)
	t, _, hasTime := sdk.AppendUTC(append(arena, '"'), r.created)
	if hasTime {
		arena = append(t, `+00:00"`...)
	}
	offs[3] = len(arena)
	arena = append(arena, `{"reference":`...)
	arena = appendQuoted(arena, r.sha1)
	arena = append(arena, `,"shasum":`...)
	arena = appendQuoted(arena, r.sha1)
	arena = append(arena, `,"type":"zip","url":`...)
	url := make([]byte, 0, len(base)+1+len(r.path))
	arena = appendQuoted(arena, append(append(append(url, base...), '/'), r.path...))
	arena = append(arena, '}')
	offs[4] = len(arena)
	obj = append(obj, member{keyName, arena[:offs[0]]}, member{keyVersion, arena[offs[0]:offs[1]]},
		member{keyNorm, arena[offs[1]:offs[2]]})
	if hasTime {
		obj = append(obj, member{keyTime, arena[offs[2]:offs[3]]})
	}
	obj = append(obj, member{keyDist, arena[offs[3]:offs[4]]})
	for i := 1; i < len(obj); i++ { // insertion sort: a dozen members
		for j := i; j > 0 && bytes.Compare(obj[j].k, obj[j-1].k) < 0; j-- {
			obj[j], obj[j-1] = obj[j-1], obj[j]
		}
	}
	return obj, arena
}

// appendQuoted appends s as marshal writes it (HTML characters not escaped).
func appendQuoted(dst, s []byte) []byte {
	for _, c := range s {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return append(dst, marshal(string(s))...)
		}
	}
	return append(append(append(dst, '"'), s...), '"')
}

// fastP2 is renderP2's body for list; ok is false when a field key needs
// escaping (renderP2 then writes the document).
func fastP2(base, name string, list []*fastRecord) ([]byte, bool) {
	size := 64
	for _, r := range list {
		size += r.size + 256
	}
	out := append(make([]byte, 0, size), `{"minified":"composer/2.0","packages":{`...)
	out = appendQuoted(out, []byte(name))
	out = append(out, ":["...)
	var prev, obj []member
	var arenas [2][]byte
	for n, r := range list {
		obj, arenas[n%2] = fastObject(obj, arenas[n%2], base, r)
		for _, m := range obj {
			if !plainKey(m.k) {
				return nil, false
			}
		}
		if n > 0 {
			out = append(out, ',')
		}
		out = append(out, '{')
		first := true
		put := func(k, v []byte) {
			if !first {
				out = append(out, ',')
			}
			first = false
			out = append(append(append(append(out, '"'), k...), `":`...), v...)
		}
		i, j := 0, 0
		for i < len(obj) || j < len(prev) {
			switch {
			case j == len(prev) || i < len(obj) && bytes.Compare(obj[i].k, prev[j].k) < 0:
				put(obj[i].k, obj[i].v) // new key
				i++
			case i == len(obj) || bytes.Compare(obj[i].k, prev[j].k) > 0:
				put(prev[j].k, unset)
				j++
			default:
				if !bytes.Equal(obj[i].v, prev[j].v) {
					put(obj[i].k, obj[i].v)
				}
				i++
				j++
			}
		}
		out = append(out, '}')
		prev, obj = obj, prev
	}
	return append(out, "]}}"...), true
}

func plainKey(k []byte) bool {
	for _, c := range k {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
