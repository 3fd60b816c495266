package ansible

import (
	"encoding/json"
	"net/url"
	"strconv"
	"unicode/utf8"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The versions list and a version's detail are written here by hand, byte
// for byte as json.Marshal wrote them from maps (keys sorted, strings
// HTML-escaped): through the wasm runtime encoding/json's reflection over
// the maps and the stored record was most of their CPU (bench/README.md,
// "Assembled by the host"). The host projects the record's members
// (json-members); a record this cannot read exactly as json.Unmarshal does
// is rendered by versionDoc as before.

// appendVersions writes the versions list page: vs[offset:offset+limit]
// as {"created_at","href","marks","requires_ansible","updated_at","version"}
// objects inside paginated's shape.
func (a api) appendVersions(ns, name string, vs []sdk.VersionInfo, limit, offset int) []byte {
	href := a.collectionHref(ns, name) + "versions/"
	b := append(make([]byte, 0, 256*min(limit, len(vs))+512), `{"data":[`...)
	for i := offset; i < len(vs) && i < offset+limit; i++ {
		if i > offset {
			b = append(b, ',')
		}
		at := timestamp(vs[i].CreatedMs)
		b = append(b, `{"created_at":`...)
		b = hostjson.AppendJSONString(b, at)
		b = append(b, `,"href":`...)
		b = hostjson.AppendJSONString(b, href+url.PathEscape(vs[i].Version)+"/")
		b = append(b, `,"marks":[],"requires_ansible":null,"updated_at":`...)
		b = hostjson.AppendJSONString(b, at)
		b = append(b, `,"version":`...)
		b = hostjson.AppendJSONString(b, vs[i].Version)
		b = append(b, '}')
	}
	return a.appendLinks(b, ns, name, len(vs), limit, offset)
}

// appendLinks ends the versions list page b after its data entries.
func (a api) appendLinks(b []byte, ns, name string, total, limit, offset int) []byte {
	first, prev, next, last := a.links("/api/v3/collections/"+ns+"/"+name+"/versions/", total, limit, offset)
	b = append(b, `],"links":{"first":`...)
	b = appendLink(b, first)
	b = append(b, `,"last":`...)
	b = appendLink(b, last)
	b = append(b, `,"next":`...)
	b = appendLink(b, next)
	b = append(b, `,"previous":`...)
	b = appendLink(b, prev)
	b = append(b, `},"meta":{"count":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	return append(b, "}}"...)
}

func appendLink(b []byte, l any) []byte {
	if s, ok := l.(string); ok {
		return hostjson.AppendJSONString(b, s)
	}
	return append(b, "null"...)
}

// recordKeys are the members of a stored version record (versionMeta) a
// version's detail reads.
// (and the other strings json.Unmarshal must be able to decode).
var recordKeys = []string{"filename", "sha256", "size", "authors", "description", "license", "tags", "dependencies",
	"repository", "documentation", "homepage", "issues", "namespace", "name", "version", "task"}

const (
	kFilename = iota
	kSHA256
	kSize
	kAuthors
	kDescription
	kLicense
	kTags
	kDependencies
	kRepository
	kDocumentation
	kHomepage
	kIssues
	kNamespace
)

// appendVersion writes a version's detail from its stored record raw,
// false when the record is not plain enough to be read without
// json.Unmarshal.
func (a api) appendVersion(ns, name, version string, f *sdk.File) ([]byte, bool, error) {
	m, err := sdk.JSONMembers(a.h, [][]byte{f.Metadata}, recordKeys, sdk.MemberCompactHTML)
	if err != nil || len(m.Irregular) > 0 {
		return nil, false, err
	}
	v := func(k int) []byte { return m.Value(0, k) }
	size := v(kSize)
	if size == nil {
		size = []byte("0")
	}
	if !plainUint(size) {
		return nil, false, nil
	}
	var scratch []byte
	for k := kNamespace; k < len(recordKeys); k++ {
		if !appendString(&scratch, v(k)) {
			return nil, false, nil
		}
	}
	at := timestamp(f.CreatedMs)
	b := append(make([]byte, 0, 1024+len(f.Metadata)), `{"artifact":{"filename":`...)
	ok := true
	str := func(k int) {
		ok = ok && appendString(&b, v(k))
	}
	list := func(k int) {
		ok = ok && appendList(&b, v(k))
	}
	str(kFilename)
	b = append(b, `,"sha256":`...)
	str(kSHA256)
	b = append(b, `,"size":`...)
	b = append(b, size...)
	b = append(b, `},"collection":{"href":`...)
	b = hostjson.AppendJSONString(b, a.collectionHref(ns, name))
	b = append(b, `,"id":`...)
	b = hostjson.AppendJSONString(b, ns+"."+name)
	b = append(b, `,"name":`...)
	b = hostjson.AppendJSONString(b, name)
	b = append(b, `},"created_at":`...)
	b = hostjson.AppendJSONString(b, at)
	b = append(b, `,"download_url":`...)
	b = hostjson.AppendJSONString(b, a.req.Repo.BaseURL+"/"+f.Path)
	b = append(b, `,"href":`...)
	b = hostjson.AppendJSONString(b, a.versionHref(ns, name, version))
	b = append(b, `,"marks":[],"metadata":{"authors":`...)
	list(kAuthors)
	b = append(b, `,"dependencies":`...)
	ok = ok && appendDeps(&b, v(kDependencies))
	for _, k := range []struct {
		name string
		k    int
	}{{"description", kDescription}, {"documentation", kDocumentation}, {"homepage", kHomepage}, {"issues", kIssues}} {
		b = append(b, `,"`+k.name+`":`...)
		str(k.k)
	}
	b = append(b, `,"license":`...)
	list(kLicense)
	b = append(b, `,"repository":`...)
	str(kRepository)
	b = append(b, `,"signatures":[],"tags":`...)
	list(kTags)
	b = append(b, `},"name":`...)
	b = hostjson.AppendJSONString(b, name)
	b = append(b, `,"namespace":{"name":`...)
	b = hostjson.AppendJSONString(b, ns)
	b = append(b, `},"requires_ansible":null,"signatures":[],"updated_at":`...)
	b = hostjson.AppendJSONString(b, at)
	b = append(b, `,"version":`...)
	b = hostjson.AppendJSONString(b, version)
	return append(b, '}'), ok, nil
}

// appendString writes the string value v (absent or null: "") as
// json.Marshal writes what json.Unmarshal decodes from it; false when v is
// not a string.
func appendString(b *[]byte, v []byte) bool {
	if v == nil || string(v) == "null" {
		*b = append(*b, `""`...)
		return true
	}
	if plainString(v) {
		*b = append(*b, v...)
		return true
	}
	s, rest, ok := cutString(string(v))
	if !ok || rest != "" {
		return false
	}
	*b = hostjson.AppendJSONString(*b, s)
	return true
}

// appendList writes the string list v (absent or null: []) as json.Marshal
// writes what json.Unmarshal decodes from it; false when v is not a list
// of strings.
func appendList(b *[]byte, v []byte) bool {
	if v == nil || string(v) == "null" {
		*b = append(*b, "[]"...)
		return true
	}
	if plainStrings(v) {
		*b = append(*b, v...)
		return true
	}
	var l []string
	if len(v) == 0 || v[0] != '[' || json.Unmarshal(v, &l) != nil {
		return false
	}
	*b = append(*b, '[')
	for i, s := range l {
		if i > 0 {
			*b = append(*b, ',')
		}
		*b = hostjson.AppendJSONString(*b, s)
	}
	*b = append(*b, ']')
	return true
}

// plainString reports whether v is a JSON string of printable ASCII
// without escapes or HTML specials (written back unchanged).
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

// plainStrings reports whether v is a compact JSON array of plain strings.
func plainStrings(v []byte) bool {
	if len(v) < 2 || v[0] != '[' || v[len(v)-1] != ']' {
		return false
	}
	if len(v) == 2 {
		return true
	}
	for _, s := range splitPlain(string(v[1 : len(v)-1])) {
		if !plainString([]byte(s)) {
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

// appendDeps writes dependencies (compact, absent or null: null) as
// json.Marshal writes the map json.Unmarshal decodes from it; false when v
// is not an object of strings with keys in increasing order.
func appendDeps(b *[]byte, v []byte) bool {
	if v == nil || string(v) == "null" || string(v) == "{}" {
		if v == nil {
			v = []byte("null")
		}
		*b = append(*b, v...)
		return true
	}
	if len(v) < 2 || v[0] != '{' || v[len(v)-1] != '}' {
		return false
	}
	mark, prev := len(*b), ""
	*b = append(*b, '{')
	for i, kv := range splitPlain(string(v[1 : len(v)-1])) {
		k, rest, ok := cutString(kv)
		if !ok || len(rest) == 0 || rest[0] != ':' || i > 0 && k <= prev {
			*b = (*b)[:mark]
			return false
		}
		val, rest, ok := cutString(rest[1:])
		if !ok || rest != "" {
			*b = (*b)[:mark]
			return false
		}
		if i > 0 {
			*b = append(*b, ',')
		}
		*b = hostjson.AppendJSONString(*b, k)
		*b = append(*b, ':')
		*b = hostjson.AppendJSONString(*b, val)
		prev = k
	}
	*b = append(*b, '}')
	return true
}

// cutString decodes the JSON string at the start of s (the escapes
// compact-html writes and the simple ones; not surrogate pairs) and returns
// the text after it.
func cutString(s string) (text, rest string, ok bool) {
	if len(s) < 2 || s[0] != '"' {
		return "", "", false
	}
	var out []byte
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			if out == nil {
				return s[1:i], s[i+1:], utf8.ValidString(s[1:i])
			}
			return string(out), s[i+1:], utf8.Valid(out)
		case c < 0x20:
			return "", "", false
		case c == '\\':
			if out == nil {
				out = append([]byte{}, s[1:i]...)
			}
			if i+1 >= len(s) {
				return "", "", false
			}
			i++
			switch e := s[i]; e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'n':
				out = append(out, '\n')
			case 't':
				out = append(out, '\t')
			case 'r':
				out = append(out, '\r')
			case 'u':
				if i+4 >= len(s) {
					return "", "", false
				}
				r, err := strconv.ParseUint(s[i+1:i+5], 16, 32)
				if err != nil || r >= 0xd800 && r < 0xe000 {
					return "", "", false
				}
				out = utf8.AppendRune(out, rune(r))
				i += 4
			default:
				return "", "", false
			}
		default:
			if out != nil {
				out = append(out, c)
			}
		}
	}
	return "", "", false
}

// splitPlain splits a compact object's members at commas outside strings.
func splitPlain(s string) []string {
	var out []string
	in, start := false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && in:
			i++
		case c == '"':
			in = !in
		case c == ',' && !in:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// links are the pagination links of a list (nil or an absolute path).
func (a api) links(path string, total, limit, offset int) (first, prev, next, last any) {
	base := a.basePath()
	link := func(off int) any {
		if off < 0 || off >= total && off != 0 {
			return nil
		}
		return base + path + "?limit=" + strconv.Itoa(limit) + "&offset=" + strconv.Itoa(off)
	}
	if offset > 0 {
		prev = link(max(offset-limit, 0))
	}
	l := 0
	if total > 0 {
		l = (total - 1) / limit * limit
	}
	return link(0), prev, link(offset + limit), link(l)
}
