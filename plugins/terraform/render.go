package terraform

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The documents the registry reads most are written here by hand, byte
// for byte as encoding/json wrote them from maps and structs: through the
// wasm runtime encoding/json's reflection costs about 9 µs for each small
// metadata document it decodes (some 15× its native cost), which was most
// of these documents' CPU (bench/README.md, "Assembled by the host").
// Strings are written as encoding/json writes them (HTML-escaped).

// appendProviderVersions writes {"versions":[...]}: each version of vs
// (SemVer order) that has packages, with the protocols of its first
// package; false when none has.
func appendProviderVersions(b []byte, vs []string, all map[string][]platform) ([]byte, bool) {
	b = append(b, `{"versions":[`...)
	n := 0
	for _, v := range vs {
		ps := all[v]
		if len(ps) == 0 {
			continue
		}
		if n++; n > 1 {
			b = append(b, ',')
		}
		b = append(b, `{"version":`...)
		b = hostjson.AppendJSONString(b, v)
		b = append(b, `,"protocols":`...)
		b = appendProtocols(b, ps[0].meta)
		b = append(b, `,"platforms":[`...)
		for i, p := range ps {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"os":`...)
			b = hostjson.AppendJSONString(b, p.OS)
			b = append(b, `,"arch":`...)
			b = hostjson.AppendJSONString(b, p.Arch)
			b = append(b, '}')
		}
		b = append(b, "]}"...)
	}
	return append(b, "]}"...), n > 0
}

// appendProtocols writes the protocols of a package's stored metadata as
// json.Marshal writes the []string zipMeta decodes: the member's bytes
// when the metadata is exactly {"protocols":null} or {"protocols":[...]}
// of plain strings (what publishProvider stores), decoded and encoded
// again otherwise.
func appendProtocols(b []byte, meta []byte) []byte {
	const head = `{"protocols":`
	s := string(meta)
	if v, ok := strings.CutPrefix(s, head); ok && strings.HasSuffix(v, "}") {
		if v = v[:len(v)-1]; v == "null" || plainList(v) {
			return append(b, v...)
		}
	}
	var m zipMeta
	_ = json.Unmarshal(meta, &m)
	out, _ := json.Marshal(m.Protocols)
	return append(b, out...)
}

// plainList reports whether v is a JSON array, without white space, of
// strings of letters, digits, '.', '_' and '-' (which json.Marshal writes
// as they are).
func plainList(v string) bool {
	if len(v) < 2 || v[0] != '[' || v[len(v)-1] != ']' {
		return false
	}
	v = v[1 : len(v)-1]
	for v != "" {
		if v[0] != '"' {
			return false
		}
		end := strings.IndexByte(v[1:], '"')
		if end < 0 {
			return false
		}
		for _, c := range []byte(v[1 : 1+end]) {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '_' || c == '-') {
				return false
			}
		}
		v = v[2+end:]
		if v == "" {
			break
		}
		if v[0] != ',' || len(v) == 1 {
			return false
		}
		v = v[1:]
	}
	return true
}

// appendMirrorVersion writes the mirror's version document,
// {"archives":{"OS_ARCH":{"url":…,"hashes":["zh:…"]}}}, its keys sorted
// as json.Marshal sorts a map's (OS_ARCH is the file name's tail, so
// unique).
func appendMirrorVersion(b []byte, typ, version string, ps []platform) []byte {
	type entry struct {
		key string
		p   *platform
	}
	es := make([]entry, len(ps))
	for i := range ps {
		es[i] = entry{ps[i].OS + "_" + ps[i].Arch, &ps[i]}
	}
	slices.SortFunc(es, func(x, y entry) int { return strings.Compare(x.key, y.key) })
	b = append(b, `{"archives":{`...)
	for i, e := range es {
		if i > 0 {
			b = append(b, ',')
		}
		b = hostjson.AppendJSONString(b, e.key)
		// Relative to this document: ../../../../ is /-/ of the repository.
		b = append(b, `:{"url":`...)
		b = hostjson.AppendJSONString(b, "../../../../providers/"+typ+"/"+version+"/"+e.p.Filename)
		b = append(b, `,"hashes":[`...)
		b = hostjson.AppendJSONString(b, "zh:"+e.p.SHA256)
		b = append(b, "]}"...)
	}
	return append(b, "}}"...)
}

// appendSums writes SHA256SUMS (the sha256sum format) over ps, by file name.
func appendSums(b []byte, ps []platform) []byte {
	slices.SortFunc(ps, func(x, y platform) int { return strings.Compare(x.Filename, y.Filename) })
	for _, p := range ps {
		b = append(b, p.SHA256...)
		b = append(b, "  "...)
		b = append(b, p.Filename...)
		b = append(b, '\n')
	}
	return b
}

// appendModuleVersions writes {"modules":[{"versions":[{"version":…}]}]}.
func appendModuleVersions(b []byte, vs []string) []byte {
	b = append(b, `{"modules":[{"versions":[`...)
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"version":`...)
		b = hostjson.AppendJSONString(b, v)
		b = append(b, '}')
	}
	return append(b, "]}]}"...)
}
