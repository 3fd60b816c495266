package puppet

import (
	"encoding/json"
	"net/url"
	"strconv"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// Release objects are written here by hand, byte for byte as json.Marshal
// writes a releaseDoc map (keys sorted, strings HTML-escaped): through the
// wasm runtime, encoding/json's reflection over a stored record, its
// module metadata and the map cost about 0.5 ms a release, some 40× its
// native cost (bench/README.md, "Assembled by the host"). The host
// projects the records' members (json-members); a record this cannot read
// exactly as json.Unmarshal does (irregular, escaped or unusual values) is
// rendered by releaseDoc as before.

// recordKeys are the members of a stored release record (releaseMeta).
var recordKeys = []string{"owner", "name", "version", "file_size", "file_sha256", "file_md5", "metadata"}

const (
	kOwner = iota
	kName
	kVersion
	kSize
	kSHA256
	kMD5
	kMetadata
)

// releaseObjects renders the release objects of raws (stored records)
// created at createdMs, without the excluded fields.
func releaseObjects(h sdk.Host, raws [][]byte, createdMs []int64, ex map[string]bool) ([][]byte, error) {
	out := make([][]byte, len(raws))
	m, err := sdk.JSONMembers(h, raws, recordKeys, sdk.MemberCompactHTML)
	if err != nil {
		return nil, err
	}
	metas := make([][]byte, len(raws))
	for d := range raws {
		metas[d] = m.Value(d, kMetadata)
	}
	tags, err := sdk.JSONMembers(h, metas, []string{"tags"}, sdk.MemberCompactHTML)
	if err != nil {
		return nil, err
	}
	for d := range raws {
		if b, ok := fastRelease(&m, &tags, d, createdMs[d], ex); ok {
			out[d] = b
			continue
		}
		r := release{raw: raws[d], createdMs: createdMs[d]}
		out[d], _ = json.Marshal(releaseDoc(&r, ex))
	}
	return out, nil
}

// fastRelease writes the release object of record d, false when the record
// is not plain enough to be read without json.Unmarshal.
func fastRelease(m, tags *sdk.Members, d int, createdMs int64, ex map[string]bool) ([]byte, bool) {
	if irregular(m, d) || irregular(tags, d) {
		return nil, false
	}
	var s [kMetadata]string
	for k := range kMetadata {
		v := m.Value(d, k)
		if k == kSize {
			if !plainUint(v) {
				return nil, false
			}
			s[k] = string(v)
			continue
		}
		if !plainString(v) {
			return nil, false
		}
		s[k] = string(v[1 : len(v)-1])
	}
	meta := m.Value(d, kMetadata)
	if len(meta) == 0 || meta[0] != '{' {
		return nil, false
	}
	tv := tags.Value(d, 0)
	switch {
	case tv == nil || string(tv) == "null":
		tv = []byte("[]")
	case !plainStrings(tv):
		return nil, false
	}
	owner, name, version := s[kOwner], s[kName], s[kVersion]
	module := owner + "-" + name
	slug := module + "-" + version
	at := timestamp(createdMs)
	o := object{ex: ex, b: make([]byte, 0, 512+len(meta))}
	o.raw("changelog", "null")
	o.str("created_at", at)
	o.raw("deleted_at", "null")
	o.raw("deleted_for", "null")
	o.raw("downloads", "0")
	o.str("file_md5", s[kMD5])
	o.str("file_sha256", s[kSHA256])
	o.raw("file_size", s[kSize])
	o.str("file_uri", "/"+filePath(slug))
	o.raw("license", "null")
	if o.key("metadata") {
		o.b = append(o.b, meta...)
	}
	if o.key("module") {
		mo := object{b: o.b}
		mo.raw("deprecated_at", "null")
		mo.str("name", name)
		if mo.key("owner") {
			u := object{b: mo.b}
			u.raw("gravatar_id", "null")
			u.str("slug", owner)
			u.str("uri", "/v3/users/"+owner)
			u.str("username", owner)
			mo.b = u.close()
		}
		mo.str("slug", module)
		mo.str("uri", "/v3/modules/"+module)
		o.b = mo.close()
	}
	o.raw("pdk", "false")
	o.raw("plans", "[]")
	o.raw("readme", "null")
	o.raw("reference", "null")
	o.str("slug", slug)
	o.raw("supported", "false")
	if o.key("tags") {
		o.b = append(o.b, tv...)
	}
	o.raw("tasks", "[]")
	o.str("updated_at", at)
	o.str("uri", "/v3/releases/"+slug)
	o.raw("validation_score", "null")
	o.str("version", version)
	return o.close(), true
}

// irregular reports whether the host left document d to the plugin.
func irregular(m *sdk.Members, d int) bool {
	for _, i := range m.Irregular {
		if int(i) == d {
			return true
		}
	}
	return false
}

// object writes a JSON object member by member, leaving out the excluded
// keys (keys are plain ASCII, written as they are).
type object struct {
	b  []byte
	n  int
	ex map[string]bool
}

// key starts member k; false when k is excluded.
func (o *object) key(k string) bool {
	if o.ex[k] {
		return false
	}
	if o.n == 0 {
		o.b = append(o.b, '{')
	} else {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, `":`...)
	return true
}

func (o *object) raw(k, v string) {
	if o.key(k) {
		o.b = append(o.b, v...)
	}
}

func (o *object) str(k, v string) {
	if o.key(k) {
		o.b = hostjson.AppendJSONString(o.b, v)
	}
}

func (o *object) close() []byte {
	if o.n == 0 {
		return append(o.b, "{}"...)
	}
	return append(o.b, '}')
}

// plainString reports whether v is a JSON string of printable ASCII
// without escapes or HTML specials: its text is what json.Unmarshal
// decodes and json.Marshal writes back unchanged.
func plainString(v []byte) bool {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return false
	}
	for _, c := range v[1 : len(v)-1] {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// plainUint reports whether v is a JSON number json.Unmarshal reads into a
// uint64 and json.Marshal writes back unchanged.
func plainUint(v []byte) bool {
	if len(v) == 0 || len(v) > 19 || len(v) > 1 && v[0] == '0' {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// plainStrings reports whether v is a compact JSON array of plain strings
// (plainString).
func plainStrings(v []byte) bool {
	if len(v) < 2 || v[0] != '[' || v[len(v)-1] != ']' {
		return false
	}
	v = v[1 : len(v)-1]
	for len(v) > 0 {
		end := 1
		for end < len(v) && v[end] != '"' {
			end++
		}
		if end == len(v) || !plainString(v[:end+1]) {
			return false
		}
		v = v[end+1:]
		if len(v) > 0 {
			if v[0] != ',' || len(v) == 1 {
				return false
			}
			v = v[1:]
		}
	}
	return true
}

// appendPage writes the v3 list shape as json.Marshal writes q.page's map.
func (q query) appendPage(b []byte, path string, keep []string, total int, results [][]byte) []byte {
	first, prev, cur, next := q.links(path, keep, total)
	link := func(k string, v any) {
		b = append(b, `"`+k+`":`...)
		if s, ok := v.(string); ok {
			b = hostjson.AppendJSONString(b, s)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, ',')
	}
	b = append(b, `{"pagination":{`...)
	link("current", cur)
	link("first", first)
	b = append(b, `"limit":`...)
	b = strconv.AppendInt(b, int64(q.limit), 10)
	b = append(b, ',')
	link("next", next)
	b = append(b, `"offset":`...)
	b = strconv.AppendInt(b, int64(q.offset), 10)
	b = append(b, ',')
	link("previous", prev)
	b = append(b, `"total":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `},"results":[`...)
	for i, r := range results {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r...)
	}
	return append(b, "]}"...)
}

// links are the pagination links of a list (nil or a path relative to the
// repository, as puppet requests them).
func (q query) links(path string, keep []string, total int) (first, prev, cur, next any) {
	link := func(off int) any {
		if off < 0 || off >= total && off != 0 {
			return nil
		}
		v := url.Values{}
		for _, k := range keep {
			if s := q.values.Get(k); s != "" {
				v.Set(k, s)
			}
		}
		v.Set("limit", strconv.Itoa(q.limit))
		v.Set("offset", strconv.Itoa(off))
		return path + "?" + v.Encode()
	}
	if q.offset > 0 {
		prev = link(max(q.offset-q.limit, 0))
	}
	return link(0), prev, link(q.offset), link(q.offset + q.limit)
}
